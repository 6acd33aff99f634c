package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ringscan/ringscan/scanner"
)

// ringHost and ringRange are the JSON form of "ringscan ring --json".
type ringHost struct {
	Address string `json:"address"`
	HostID  string `json:"host_id"`
	DC      string `json:"dc"`
	Rack    string `json:"rack"`
	Tokens  int    `json:"tokens"`
}

type ringRange struct {
	ID         int      `json:"id"`
	Start      string   `json:"start"`
	End        string   `json:"end"`
	Replicas   []string `json:"replicas"`
	Share      float64  `json:"share"`
	Partitions *int64   `json:"estimated_partitions,omitempty"`
	Bytes      *int64   `json:"estimated_bytes,omitempty"`
}

type ringOut struct {
	Keyspace    string      `json:"keyspace"`
	Table       string      `json:"table"`
	Partitioner string      `json:"partitioner"`
	Replication string      `json:"replication"`
	Plan        string      `json:"plan_fingerprint"`
	Estimates   string      `json:"estimates"`
	Hosts       []ringHost  `json:"hosts"`
	Ranges      []ringRange `json:"ranges"`
}

func newRingCmd(stdout, stderr io.Writer) *cobra.Command {
	cf := newConnFlags()
	var asJSON bool
	var logLevel, forCmd string
	var sizing countSizing
	cmd := &cobra.Command{
		Use:   "ring",
		Short: "Show the cluster's hosts and a table's split plan",
		Long: `ring shows the hosts the driver discovered (address, host id, data center,
rack, token count) and the split plan a scan of the table would use: each
subrange's bounds, replicas, share of the ring and, with --size-estimates,
size estimate (from system.size_estimates). The plan honours --splits,
--local-dc, --shard, --size-estimates, --begin-token and --end-token, as
scan and count do. --for count shows the plan of a count on the server (count's
default), which, unsharded, reads the size estimates (and shows them) unless
--size-estimates=false, and splits a subrange estimated to hold more than
--on-server-split-mb further.`,
		Example: `  ringscan ring -k shop -t orders
  ringscan ring -k shop -t orders --for count
  ringscan ring -k shop -t orders --splits 512 --json | jq '.ranges | length'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.scannerConfig()
			if err != nil {
				return badInput(err)
			}
			switch forCmd {
			case "scan":
				if fromCommandLine(cmd.Flags(), "on-server-split-mb") {
					return badInput(errors.New("--on-server-split-mb applies to --for count only: it sizes the count(*)s of a count on the server"))
				}
			case "count":
				s, err := sizing.given(cmd.Flags())
				if err != nil {
					return badInput(err)
				}
				s.apply(&cfg, false)
			default:
				return badInput(fmt.Errorf("invalid --for %q: want scan or count", forCmd))
			}
			log, err := newLogger(logLevel, "console", stderr)
			if err != nil {
				return badInput(err)
			}
			s, err := cf.session(cmd.Context(), log)
			if err != nil {
				return badInput(err)
			}
			defer s.Close()
			sc, err := scanner.New(s, cfg)
			if err != nil {
				return badInput(err)
			}
			p, err := sc.Plan(cmd.Context())
			if err != nil {
				return badInput(err)
			}
			if forCmd == "count" {
				if p, err = p.CountOnServer(); err != nil {
					return badInput(err)
				}
			}
			out := ringOut{Keyspace: cfg.Keyspace, Table: cfg.Table, Partitioner: p.Ring.Partitioner().ClassName(),
				Replication: p.Replication.String(), Plan: p.Full.Fingerprint(), Estimates: "ring share"}
			if p.Full.EstimatesUsed {
				out.Estimates = "system.size_estimates"
			} else if p.Full.EstimatesIgnored != "" {
				out.Estimates = "ring share (size estimates ignored: " + p.Full.EstimatesIgnored + ")"
			}
			for _, h := range p.Ring.Hosts() {
				out.Hosts = append(out.Hosts, ringHost{Address: h.Address, HostID: h.ID, DC: h.DC, Rack: h.Rack, Tokens: len(h.Tokens)})
			}
			ranges := append(p.Subranges[:0:0], p.Subranges...)
			sort.Slice(ranges, func(a, b int) bool { return ranges[a].ID < ranges[b].ID })
			for _, sr := range ranges {
				rr := ringRange{ID: sr.ID, Start: sr.Range.Start.String(), End: sr.Range.End.String(), Share: sr.Share}
				for _, r := range sr.Replicas {
					rr.Replicas = append(rr.Replicas, r.Address)
				}
				if sr.Estimate != nil {
					rr.Partitions, rr.Bytes = &sr.Estimate.Partitions, &sr.Estimate.Bytes
				}
				out.Ranges = append(out.Ranges, rr)
			}
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return writeFailed(enc.Encode(out))
			}
			return writeFailed(writeRingTable(stdout, out))
		},
	}
	cf.registerConn(cmd.Flags())
	cf.registerPlan(cmd.Flags(), false)
	cf.shape.registerTokens(cmd.Flags())
	cmd.Flags().StringVar(&forCmd, "for", "scan", "the plan of scan, or of count on the server: sized by the size estimates (--on-server-split-mb)")
	sizing.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of tables")
	cmd.Flags().StringVar(&logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	return cmd
}

// writeRingTable prints out as two tables, hosts then subranges. It
// writes through one bufio.Writer, whose first write error sticks: the
// output stops there, and that error, not a later one, is returned.
func writeRingTable(w io.Writer, out ringOut) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s.%s: %s, replication %s, %d hosts, %d subranges (weights: %s)\n\n",
		out.Keyspace, out.Table, out.Partitioner, out.Replication, len(out.Hosts), len(out.Ranges), out.Estimates)
	tw := tabwriter.NewWriter(bw, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tHOST ID\tDC\tRACK\tTOKENS")
	for _, h := range out.Hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", h.Address, h.HostID, h.DC, h.Rack, h.Tokens)
	}
	_ = tw.Flush() // into bw, which keeps the first error
	fmt.Fprintln(bw)
	tw = tabwriter.NewWriter(bw, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTART (excl.)\tEND (incl.)\tSHARE\tEST. PARTITIONS\tREPLICAS")
	for _, r := range out.Ranges {
		est := "-"
		if r.Partitions != nil {
			est = fmt.Sprint(*r.Partitions)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.4f%%\t%s\t%s\n", r.ID, r.Start, r.End, 100*r.Share, est, strings.Join(r.Replicas, ","))
	}
	_ = tw.Flush()
	return bw.Flush()
}
