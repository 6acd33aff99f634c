package cqlsim_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ringscan/ringscan/cqlsim"
)

// TestConfigTombstones checks the validation of the tombstone settings:
// every problem reported at once, each wrapping ErrInvalidConfig and
// naming the field and what is allowed.
func TestConfigTombstones(t *testing.T) {
	tests := []struct {
		name  string
		cfg   cqlsim.Config
		parts []string // "" for valid
	}{
		{name: "defaults", cfg: cqlsim.Config{}},
		{name: "cassandra", cfg: cqlsim.Config{TombstoneMode: cqlsim.TombstonesCassandra, TombstoneWarnThreshold: 1, TombstoneFailureThreshold: 2}},
		{name: "unknown mode", cfg: cqlsim.Config{TombstoneMode: "dse"},
			parts: []string{`TombstoneMode: unknown tombstone mode "dse": allowed are scylla and cassandra`}},
		{name: "negative thresholds", cfg: cqlsim.Config{TombstoneWarnThreshold: -1, TombstoneFailureThreshold: -5, TombstoneBudget: -2},
			parts: []string{"TombstoneWarnThreshold is -1", "TombstoneFailureThreshold is -5", "TombstoneBudget is -2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.parts) == 0 {
				assert.NoError(t, err)
				return
			}
			assert.True(t, errors.Is(err, cqlsim.ErrInvalidConfig), "%v", err)
			for _, p := range tt.parts {
				assert.ErrorContains(t, err, p)
			}
		})
	}
	m, err := cqlsim.ParseTombstoneMode("cassandra")
	assert.NoError(t, err)
	assert.Equal(t, cqlsim.TombstonesCassandra, m)
}
