package cli

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ringscan/ringscan/scanner"
)

// shapeFlags shape a scan's query: a condition ANDed to every subrange's
// statement (--where, --allow-filtering) and token bounds (--begin-token,
// --end-token). They become scanner.Config's Where, AllowFiltering,
// BeginToken and EndToken, which the checkpoint's identity records.
type shapeFlags struct {
	where          string
	allowFiltering bool
	beginToken     string
	endToken       string
}

// registerWhere registers --where and --allow-filtering (scan, count).
func (f *shapeFlags) registerWhere(fs *pflag.FlagSet) {
	fs.StringVar(&f.where, "where", "", `CQL condition ANDed to every subrange's query, as dsbulk -query and Spark .where push one down, e.g. "kind = 'click' AND score > 0.5"; `+
		"no LIMIT, ORDER BY, GROUP BY or token() (see --begin-token)")
	fs.BoolVar(&f.allowFiltering, "allow-filtering", false, "add ALLOW FILTERING, which a --where on a column Cassandra cannot look up needs: "+
		"every replica then reads and filters all the rows of each subrange")
}

// registerTokens registers --begin-token and --end-token (scan, count,
// ring).
func (f *shapeFlags) registerTokens(fs *pflag.FlagSet) {
	fs.StringVar(&f.beginToken, "begin-token", "", "read only the tokens after this one (token > BEGIN), as cqlsh COPY's BEGINTOKEN (default the ring's start)")
	fs.StringVar(&f.endToken, "end-token", "", "read only the tokens up to this one (token <= END), as cqlsh COPY's ENDTOKEN (default the ring's end); "+
		"a BEGIN after END wraps around the ring")
}

// Token bounds of every partitioner ringscan scans: Murmur3Partitioner's
// int64 and RandomPartitioner's -1..2^127. Which one applies is known once
// connected; the scan's plan checks the token against it.
var (
	minAnyToken = new(big.Int).Lsh(big.NewInt(-1), 63)
	maxAnyToken = new(big.Int).Lsh(big.NewInt(1), 127)
)

const tokensAllowed = "want an integer token as the partitioner writes it: -9223372036854775808..9223372036854775807 (Murmur3Partitioner) or -1..2^127 (RandomPartitioner)"

// parseTokenFlag reads a token flag, "" for none, in the canonical form
// (so that "+5" and "05" resume a scan begun with "5").
func parseTokenFlag(name, s string) (*big.Int, error) {
	if s == "" {
		return nil, nil
	}
	v, ok := new(big.Int).SetString(strings.TrimSpace(s), 10)
	if !ok || v.Cmp(minAnyToken) < 0 || v.Cmp(maxAnyToken) > 0 {
		return nil, fmt.Errorf("invalid --%s %q: %s", name, s, tokensAllowed)
	}
	return v, nil
}

// apply checks the flags and sets them in cfg, reporting every problem.
func (f *shapeFlags) apply(cfg *scanner.Config) []error {
	var errs []error
	where := strings.TrimSpace(f.where)
	if err := scanner.CheckWhere(where); err != nil {
		// The library's text, which names the fields: one error, not
		// wrapped (flagNames finds no prefix of the library's in it).
		errs = append(errs, fmt.Errorf("invalid --where %q: %s", f.where, fieldsToFlags(err.Error(), scannerFields)))
	}
	if f.allowFiltering && where == "" {
		errs = append(errs, errors.New("--allow-filtering needs --where: it lets Cassandra filter the rows by that condition"))
	}
	begin, err := parseTokenFlag("begin-token", f.beginToken)
	if err != nil {
		errs = append(errs, err)
	}
	end, err := parseTokenFlag("end-token", f.endToken)
	if err != nil {
		errs = append(errs, err)
	}
	if begin != nil && end != nil && begin.Cmp(end) == 0 {
		errs = append(errs, fmt.Errorf("--begin-token and --end-token are both %v: the range (begin, end] holds no token; "+
			"leave both out to read the whole ring", begin))
	}
	if len(errs) > 0 {
		return errs
	}
	cfg.Where, cfg.AllowFiltering = where, f.allowFiltering
	if begin != nil {
		cfg.BeginToken = begin.String()
	}
	if end != nil {
		cfg.EndToken = end.String()
	}
	return nil
}
