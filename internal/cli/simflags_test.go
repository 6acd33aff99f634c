package cli

import (
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
)

// TestSimTombstoneFlags checks that the tombstone flags of ringscan sim
// reach cqlsim.Config, and that bad values are refused by name.
func TestSimTombstoneFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want cqlsim.Config // the tombstone fields
		err  string
	}{
		{name: "default", want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesScylla}},
		{name: "scylla budget", args: []string{"--tombstone-budget", "7"}, want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesScylla, TombstoneBudget: 7}},
		{name: "cassandra", args: []string{"--tombstone-mode", "cassandra", "--tombstone-warn-threshold", "5", "--tombstone-failure-threshold", "50"},
			want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesCassandra, TombstoneWarnThreshold: 5, TombstoneFailureThreshold: 50}},
		{name: "unknown mode", args: []string{"--tombstone-mode", "dse"}, err: `invalid --tombstone-mode: unknown tombstone mode "dse": allowed are scylla and cassandra`},
		{name: "negative warn", args: []string{"--tombstone-warn-threshold", "-1"}, err: "invalid --tombstone-warn-threshold -1"},
		{name: "negative failure", args: []string{"--tombstone-failure-threshold", "-2"}, err: "invalid --tombstone-failure-threshold -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f simFlags
			cmd := &cobra.Command{}
			f.register(cmd)
			require.NoError(t, cmd.Flags().Parse(tt.args))
			cfg, err := f.config()
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.TombstoneMode, cfg.TombstoneMode)
			assert.Equal(t, tt.want.TombstoneBudget, cfg.TombstoneBudget)
			assert.Equal(t, tt.want.TombstoneWarnThreshold, cfg.TombstoneWarnThreshold)
			assert.Equal(t, tt.want.TombstoneFailureThreshold, cfg.TombstoneFailureThreshold)
		})
	}
}
