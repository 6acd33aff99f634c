package ring

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseReplication(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want Replication
		err  string // substring; "" for success
	}{
		{
			name: "simple full class",
			in:   map[string]string{"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "3"},
			want: Replication{Strategy: SimpleStrategy, Factor: 3},
		},
		{
			name: "simple short class",
			in:   map[string]string{"class": "SimpleStrategy", "replication_factor": "1"},
			want: Replication{Strategy: SimpleStrategy, Factor: 1},
		},
		{
			name: "simple transient",
			in:   map[string]string{"class": "SimpleStrategy", "replication_factor": "3/1"},
			want: Replication{Strategy: SimpleStrategy, Factor: 3},
		},
		{
			name: "nts",
			in:   map[string]string{"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "3", "dc2": "2"},
			want: Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{"dc1": 3, "dc2": 2}},
		},
		{
			name: "nts with a zero DC and scylla tablets option",
			in:   map[string]string{"class": "NetworkTopologyStrategy", "dc1": "3", "dc2": "0", "initial_tablets": "8"},
			want: Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{"dc1": 3, "dc2": 0}},
		},
		{
			name: "nts default factor",
			in:   map[string]string{"class": "NetworkTopologyStrategy", "replication_factor": "3", "dc2": "1"},
			want: Replication{Strategy: NetworkTopologyStrategy, Factor: 3, DCs: map[string]int{"dc2": 1}},
		},
		{
			name: "local",
			in:   map[string]string{"class": "org.apache.cassandra.locator.LocalStrategy"},
			want: Replication{Strategy: LocalStrategy},
		},
		{
			name: "everywhere",
			in:   map[string]string{"class": "org.apache.cassandra.locator.EverywhereStrategy"},
			want: Replication{Strategy: EverywhereStrategy},
		},
		{name: "no class", in: map[string]string{"replication_factor": "3"}, err: `no "class"`},
		{name: "unknown class", in: map[string]string{"class": "OldNetworkTopologyStrategy"}, err: `unknown replication class "OldNetworkTopologyStrategy"`},
		{name: "simple without factor", in: map[string]string{"class": "SimpleStrategy"}, err: "SimpleStrategy without"},
		{name: "simple zero", in: map[string]string{"class": "SimpleStrategy", "replication_factor": "0"}, err: "want >= 1"},
		{name: "simple garbage", in: map[string]string{"class": "SimpleStrategy", "replication_factor": "three"}, err: `replication_factor is "three"`},
		{name: "simple negative", in: map[string]string{"class": "SimpleStrategy", "replication_factor": "-1"}, err: `replication_factor is "-1"`},
		{name: "bad transient", in: map[string]string{"class": "SimpleStrategy", "replication_factor": "1/2"}, err: `replication_factor is "1/2"`},
		{name: "nts bad dc", in: map[string]string{"class": "NetworkTopologyStrategy", "dc1": "x"}, err: `dc1 is "x"`},
		{name: "nts all zero", in: map[string]string{"class": "NetworkTopologyStrategy", "dc1": "0"}, err: "places no replica"},
		{name: "nts empty", in: map[string]string{"class": "NetworkTopologyStrategy"}, err: "places no replica"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReplication(tt.in)
			if tt.err != "" {
				require.ErrorIs(t, err, ErrInvalidReplication)
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReplicationValidate(t *testing.T) {
	tests := []struct {
		name string
		rep  Replication
		errs []string
	}{
		{name: "zero", rep: Replication{}, errs: []string{"Strategy is Strategy(0)"}},
		{name: "simple ok", rep: Replication{Strategy: SimpleStrategy, Factor: 2}},
		{name: "nts ok", rep: Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{"a": 1}}},
		{name: "everywhere ok", rep: Replication{Strategy: EverywhereStrategy}},
		{
			name: "nts reports every violation",
			rep:  Replication{Strategy: NetworkTopologyStrategy, Factor: -1, DCs: map[string]int{"a": -2, "b": -3}},
			errs: []string{"Factor is -1", `DC "a" is -2`, `DC "b" is -3`, "places no replica"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rep.Validate()
			if len(tt.errs) == 0 {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidReplication)
			for _, e := range tt.errs {
				assert.ErrorContains(t, err, e)
			}
		})
	}
}

func TestReplicationString(t *testing.T) {
	rep := Replication{Strategy: NetworkTopologyStrategy, DCs: map[string]int{"dc2": 2, "dc1": 3}}
	assert.Equal(t, "{class: NetworkTopologyStrategy, dc1: 3, dc2: 2}", rep.String())
}
