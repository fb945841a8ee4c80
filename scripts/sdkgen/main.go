// sdkgen writes the TypeScript, Python and Go SDKs of a Pulumi package schema with the CLI's own code
// generators (pkg/v3/codegen), for when the installed language hosts are too old to serve
// `pulumi package gen-sdk` (the Node.js and Python hosts built from sdk/v3@v3.68.0 lack GeneratePackage).
//
//	go run . <schema.json> <out-dir> [nodejs|python|go]...
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/blang/semver"
)

// noPackages loads no other package: the hadr schema references none (pulumi.json#/Any is built in).
type noPackages struct{}

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("package %s: the hadr schema references no other package", pkg)
}

func (l noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, nil)
}

func (l noPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("package %s: the hadr schema references no other package", pkg)
}

func (l noPackages) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, nil)
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: sdkgen <schema.json> <out-dir> [nodejs|python|go]...")
	}
	text, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return err
	}
	langs := args[2:]
	if len(langs) == 0 {
		langs = []string{"nodejs", "python", "go"}
	}
	for _, lang := range langs {
		pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
		if err != nil {
			return err
		}
		if diags.HasErrors() {
			return diags
		}
		var files map[string][]byte
		switch lang {
		case "nodejs":
			files, err = nodejs.GeneratePackage("pulumi-hadr", pkg, nil, nil, false, noPackages{})
		case "python":
			files, err = python.GeneratePackage("pulumi-hadr", pkg, nil, noPackages{})
		case "go":
			files, err = gogen.GeneratePackage("pulumi-hadr", pkg, nil)
		default:
			return fmt.Errorf("unknown language %s", lang)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", lang, err)
		}
		dir := filepath.Join(args[1], lang)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, body, 0o644); err != nil {
				return err
			}
		}
		fmt.Printf("[sdkgen] %s: %d files\n", dir, len(files))
	}
	return nil
}
