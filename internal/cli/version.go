package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ringscan/ringscan/internal/observe"
)

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the ringscan version and build information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi := buildInfo()
			_, err := fmt.Fprintf(stdout, "ringscan %s\ngo %s %s/%s\ngocql driver %s\n", bi.Version, bi.GoVersion, runtime.GOOS, runtime.GOARCH, bi.Driver)
			return writeFailed(err)
		},
	}
}

// buildInfo tells what this binary is: ringscan's version ("(devel)"
// when built from a work tree), the Go release and the driver's version.
func buildInfo() observe.BuildInfo {
	out := observe.BuildInfo{Version: "(devel)", GoVersion: runtime.Version(), Driver: "unknown"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			out.Version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/apache/cassandra-gocql-driver/v2" {
				out.Driver = d.Version
			}
		}
	}
	return out
}
