package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the ringscan version and build information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			version, driver := "(devel)", "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				if bi.Main.Version != "" {
					version = bi.Main.Version
				}
				for _, d := range bi.Deps {
					if d.Path == "github.com/apache/cassandra-gocql-driver/v2" {
						driver = d.Version
					}
				}
			}
			_, err := fmt.Fprintf(stdout, "ringscan %s\ngo %s %s/%s\ngocql driver %s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, driver)
			return err
		},
	}
}
