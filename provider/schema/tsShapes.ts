/**
 * Reads the public TypeScript types of the resources (provider/resources/*.ts and the interfaces they name)
 * as {@link Shape}s, syntactically with the TypeScript compiler's parser: each `<Resource>Args` interface
 * (inputs, with their doc comments) and each resource class's `declare readonly` outputs. Used by the schema
 * generator and its test only (TypeScript is a dev tool).
 */
import * as fs from "node:fs";
import type * as TS from "typescript";
import type { Prop, Shape } from "./shapes";

/** What the TypeScript sources say about one resource. */
export interface TsResource {
  /** `<Resource>Args` as a shape. */
  inputs: Shape & { kind: "object" };
  /** The class's declared outputs (name → prop). */
  outputs: Record<string, Prop>;
  /** The class's doc comment. */
  description: string;
}

/** Reads the resources declared in `files` (classes extending a Resource, with their Args interfaces). */
export function readTsResources(files: string[]): Record<string, TsResource> {
  const ts = require("typescript") as typeof TS;
  const sources = files.map((f) =>
    ts.createSourceFile(f, fs.readFileSync(f, "utf8"), ts.ScriptTarget.ES2022, true),
  );
  const interfaces = new Map<string, TS.InterfaceDeclaration>();
  const classes: TS.ClassDeclaration[] = [];
  for (const sf of sources) {
    for (const st of sf.statements) {
      if (ts.isInterfaceDeclaration(st)) interfaces.set(st.name.text, st);
      if (ts.isClassDeclaration(st) && st.name) classes.push(st);
    }
  }

  const docOf = (n: TS.Node): string | undefined => {
    const doc = ts.getJSDocCommentsAndTags(n).find(ts.isJSDoc);
    const text = doc ? ts.getTextOfJSDocComment(doc.comment) : undefined;
    return text ? text.replace(/\s*\n\s*/g, " ").trim() : undefined;
  };
  const refName = (n: TS.EntityName): string => (ts.isIdentifier(n) ? n.text : n.right.text);

  const members = (ms: ReadonlyArray<TS.TypeElement | TS.ClassElement>, declaredOnly: boolean) => {
    const props: Record<string, Prop> = {};
    for (const m of ms) {
      if (!(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) || !m.type || !ts.isIdentifier(m.name))
        continue;
      if (declaredOnly && !ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.DeclareKeyword)) continue;
      const description = docOf(m);
      props[m.name.text] = {
        shape: shapeOf(m.type),
        required: !m.questionToken,
        ...(description ? { description } : {}),
      };
    }
    return props;
  };

  function shapeOf(t: TS.TypeNode): Shape {
    if (ts.isParenthesizedTypeNode(t)) return shapeOf(t.type);
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { kind: "string" };
      case ts.SyntaxKind.NumberKeyword:
        return { kind: "number" };
      case ts.SyntaxKind.BooleanKeyword:
        return { kind: "boolean" };
    }
    if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal))
      return { kind: "enum", values: [t.literal.text] };
    if (ts.isArrayTypeNode(t)) return { kind: "array", items: shapeOf(t.elementType) };
    if (ts.isTypeLiteralNode(t)) return { kind: "object", props: members(t.members, false) };
    if (ts.isUnionTypeNode(t)) {
      const parts = t.types.filter(
        (x) =>
          !(ts.isLiteralTypeNode(x) && x.literal.kind === ts.SyntaxKind.NullKeyword) &&
          x.kind !== ts.SyntaxKind.UndefinedKeyword,
      );
      const shapes = parts.map(shapeOf);
      if (shapes.length === 1) return shapes[0]!;
      if (shapes.every((s) => s.kind === "enum"))
        return { kind: "enum", values: shapes.flatMap((s) => (s.kind === "enum" ? s.values : [])) };
      return { kind: "union", members: shapes };
    }
    if (ts.isTypeReferenceNode(t)) {
      const name = refName(t.typeName);
      const args = t.typeArguments ?? [];
      if ((name === "Input" || name === "Output") && args[0]) return shapeOf(args[0]);
      if (name === "Record" && args[1]) return { kind: "map", values: shapeOf(args[1]) };
      if (name === "Array" && args[0]) return { kind: "array", items: shapeOf(args[0]) };
      const decl = interfaces.get(name);
      if (decl)
        return { kind: "object", name: name.replace(/Args$/, ""), props: members(decl.members, false) };
    }
    return { kind: "any" };
  }

  const out: Record<string, TsResource> = {};
  for (const c of classes) {
    const name = c.name!.text;
    const args = interfaces.get(`${name}Args`);
    if (!args) continue;
    out[name] = {
      inputs: { kind: "object", props: members(args.members, false) },
      outputs: members(c.members, true),
      description: docOf(c) ?? "",
    };
  }
  return out;
}
