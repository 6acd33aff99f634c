package cqlsim_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// TestConfigEnsureDefaults checks the effective configuration: the
// defaults documented on Config's fields in its zero fields, the fields
// set kept.
func TestConfigEnsureDefaults(t *testing.T) {
	d := cqlsim.Config{}.EnsureDefaults()
	assert.Equal(t, []cqlsim.DC{{Name: "datacenter1", Nodes: 3, Racks: 1}}, d.DCs)
	assert.Equal(t, "127.0.0.1", d.Address)
	assert.Equal(t, 9042, d.Port)
	assert.Equal(t, 16, d.VNodes)
	assert.Equal(t, "Murmur3Partitioner", d.Partitioner)
	assert.Equal(t, "4.1.3", d.ReleaseVersion)
	assert.Equal(t, cqlsim.TombstonesScylla, d.TombstoneMode)
	assert.Equal(t, 1000, d.TombstoneBudget)
	assert.NotNil(t, d.Clock)
	assert.NotNil(t, d.Logger)

	set := cqlsim.Config{DCs: []cqlsim.DC{{Name: "dc1", Nodes: 2}}, VNodes: 4, Partitioner: "org.apache.cassandra.dht.RandomPartitioner"}.EnsureDefaults()
	assert.Equal(t, []cqlsim.DC{{Name: "dc1", Nodes: 2, Racks: 1}}, set.DCs, "a DC's racks default to 1")
	assert.Equal(t, 4, set.VNodes)
	assert.Equal(t, "RandomPartitioner", set.Partitioner, "without its package")
	assert.NoError(t, set.Validate())
}

// TestDemoConfigValidate reports every problem of a demo configuration
// in one error that wraps ErrInvalidConfig, its prefix once.
func TestDemoConfigValidate(t *testing.T) {
	err := cqlsim.DemoConfig{Rows: -5, HotShare: 2}.Validate()
	require.ErrorIs(t, err, cqlsim.ErrInvalidConfig)
	assert.Equal(t, "invalid cqlsim config: demo Rows is -5; it must be 0 or more; demo HotShare is 2; it must be between 0 (default 0.25) and 1", err.Error())
	assert.NoError(t, cqlsim.DemoConfig{Rows: 10}.Validate())
}
