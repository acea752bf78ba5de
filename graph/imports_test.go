package graph

import (
	"go/parser"
	gotoken "go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports enforces that graph stays a leaf: no package of the module,
// and no I/O packages outside tests.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	banned := []string{"os", "net", "net/http", "database/sql", "os/exec"}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := parser.ParseFile(gotoken.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pf.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/engramhq/engram") {
				t.Errorf("%s imports %s: graph must not import the module", f, path)
			}
			if !strings.HasSuffix(f, "_test.go") {
				for _, b := range banned {
					if path == b {
						t.Errorf("%s imports %s: graph does no I/O", f, path)
					}
				}
			}
		}
	}
}
