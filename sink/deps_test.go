package sink_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLeanCore checks the import graph of the core packages: a program
// that embeds the scanner links no format or chart library (Parquet is in
// sink/parquet, the charts in bench) and no protobuf.
func TestLeanCore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	const mod = "github.com/ringscan/ringscan/"
	out, err := exec.Command(goTool, "list", "-deps", mod+"scanner", mod+"ring", mod+"sink", mod+"sink/cqlvalue").CombinedOutput()
	require.NoError(t, err, "go list: %s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, mod+"worker", "the list is the scanner's dependencies")
	for _, d := range deps {
		for _, banned := range []string{"parquet-go", "google.golang.org/protobuf", "gonum.org", "/plot", mod + "bench", mod + "cqlsim"} {
			assert.NotContains(t, d, banned, "a core package depends on %s", d)
		}
	}
}
