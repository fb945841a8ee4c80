# Sourced by the install scripts: the Go environment of builds from the module proxy, every cache under
# $ROOT_DIR/.tools (git-ignored), or under $PULUMI_HADR_GO_CACHE when a warm one exists on this machine.
go_env() {
  export GOPATH=$ROOT_DIR/.tools/gopath GOMODCACHE=$ROOT_DIR/.tools/gopath/pkg/mod GOCACHE=$ROOT_DIR/.tools/gocache
  export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
  # Reuse a warm module cache from a previous checkout on this machine when one exists (never required).
  if [ -n "${PULUMI_HADR_GO_CACHE:-}" ] && [ -d "$PULUMI_HADR_GO_CACHE" ]; then
    export GOMODCACHE=$PULUMI_HADR_GO_CACHE/mod GOCACHE=$PULUMI_HADR_GO_CACHE/build
  fi
}
