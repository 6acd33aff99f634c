package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitPartial     = 1
	ExitAborted     = 2
	ExitBadInput    = 3
	ExitInterrupted = 4
)

// exitError carries an exit code with the error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as bad input (exit 3).
func badInput(err error) error { return &exitError{code: ExitBadInput, err: err} }

// writeFailed marks an error writing a command's output to stdout (a full
// or closed device) as an aborted run (exit 2), not bad input; nil stays
// nil.
func writeFailed(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitAborted, err: fmt.Errorf("write stdout: %w", err)}
}

// Run executes the command line args and returns the exit code. Flags
// not given in args take their value from the environment
// ($RINGSCAN_<FLAG>) or the --config file.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr, os.LookupEnv)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	code := ExitBadInput // cobra's own errors: unknown commands and flags, bad flag values
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case ctx.Err() != nil:
		code = ExitInterrupted
	}
	var msg string
	if code == ExitBadInput {
		// flagNames works line by line: before the lines are folded.
		msg = noteSources(oneLine(flagNames(err.Error())), cmd)
	} else {
		msg = oneLine(err.Error())
	}
	fmt.Fprintln(stderr, "ringscan: "+msg)
	return code
}

// oneLine folds a multi-line error into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

func newRoot(stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) *cobra.Command {
	root := &cobra.Command{
		Use:   "ringscan",
		Short: "Read whole Cassandra and ScyllaDB tables fast",
		Long: `ringscan reads whole Apache Cassandra and ScyllaDB tables fast: it splits the
token ring into subranges, pages every subrange concurrently on one of its
replicas with bounded backpressure, and streams the rows to files, counts or
your own code, never losing or duplicating a row.

Start with "ringscan demo": it starts an embedded 3-node cluster simulator
(cqlsim), loads a demo table, scans it and checks every row.

Exit codes: 0 all read; 1 finished but some ranges failed; 2 aborted after too
many errors; 3 bad input, configuration, authentication or connection;
4 interrupted (checkpoint written).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagValueError(err) })
	root.AddCommand(newDemoCmd(stdout, stderr), newScanCmd(stdout, stderr), newCountCmd(stdout, stderr),
		newRingCmd(stdout, stderr), newSimCmd(stdout, stderr), newBenchCmd(stdout, stderr), newBenchRunCmd(stdout),
		newVersionCmd(stdout))
	// Every visible command with flags reads them from the environment and
	// --config too (the hidden child of bench takes its task from its
	// parent alone).
	for _, c := range root.Commands() {
		if !c.Hidden && c.Flags().HasFlags() {
			registerConfig(c.Flags())
		}
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Hidden {
			return nil
		}
		if err := applySettings(cmd, lookupEnv); err != nil {
			return badInput(err)
		}
		return nil
	}
	return root
}

// flagValueError rewrites pflag's message for a value a flag cannot parse,
// `invalid argument "abc" for "--page-size" flag: strconv.ParseInt:
// parsing "abc": invalid syntax`, into one that names the flag, the value
// and what the flag takes: `invalid --page-size "abc": want an integer`.
// Flags of their own type (--retries, --per-host) say what they take in
// their own error, which is kept. Other errors are returned as they are.
func flagValueError(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) || ive.GetFlag() == nil {
		return err
	}
	f := ive.GetFlag()
	return fmt.Errorf("invalid --%s %q: %s", f.Name, ive.GetValue(), flagWants(f.Value.Type(), ive.Unwrap()))
}

// flagWants says what a flag of pflag type typ takes, after why the value
// given was refused (cause).
func flagWants(typ string, cause error) string {
	var ne *strconv.NumError
	tooLarge := ""
	if errors.As(cause, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
		tooLarge = "out of range; "
	}
	switch typ {
	case "int", "int64":
		return tooLarge + "want an integer"
	case "float64":
		return tooLarge + "want a number"
	case "bool":
		return "want true or false"
	case "stringSlice":
		// encoding/csv's "parse error on line 1, column 4: bare \" in
		// non-quoted-field".
		_, why, _ := strings.Cut(cause.Error(), ": ")
		return why + `; want a list separated by commas, an item that holds a comma or '"' in double quotes with '"' doubled`
	case "duration":
		// "time: missing unit in duration "5"" says what is missing.
		why, _, _ := strings.Cut(strings.TrimPrefix(cause.Error(), "time: "), " in duration")
		return why + "; want a duration with a unit, such as 30s, 500ms or 2m"
	}
	return cause.Error()
}
