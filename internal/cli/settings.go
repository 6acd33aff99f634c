package cli

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// envPrefix starts the environment variable of every flag: --page-size
// is $RINGSCAN_PAGE_SIZE.
const envPrefix = "RINGSCAN_"

// sourceKey is the flag annotation that records where a flag's value came
// from when it was not the command line: "$RINGSCAN_PAGE_SIZE" or
// "ringscan.yaml key page-size".
const sourceKey = "ringscan/source"

// configFlag names the configuration file.
const configFlag = "config"

// envName is the environment variable of a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// registerConfig registers --config on a command that has settings.
func registerConfig(fs *pflag.FlagSet) {
	fs.String(configFlag, "", "read flags from this YAML (.yaml, .yml) or TOML (.toml) file, keys named as the flags; "+
		"flags given on the command line win, then $RINGSCAN_<FLAG> variables, then the file")
}

// applySettings gives every flag of cmd that the command line left unset
// its value from the environment ($RINGSCAN_<FLAG>, e.g.
// $RINGSCAN_PAGE_SIZE) or, failing that, from the --config file. A file's
// top-level keys apply to every command that has the flag; a table named
// after a command (scan:, [count]) holds keys for that command only, which
// win over the top level. Hidden flags and --help are not settings.
// Errors name the variable, or the file and key.
func applySettings(cmd *cobra.Command, lookup func(string) (string, bool)) error {
	fs := cmd.Flags()
	settable := func(f *pflag.Flag) bool { return !f.Hidden && f.Name != "help" }
	var errs []error
	setFrom := func(f *pflag.Flag, val, source string) {
		if err := fs.Set(f.Name, val); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", source, flagValueError(err)))
			return
		}
		_ = fs.SetAnnotation(f.Name, sourceKey, []string{source})
	}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || !settable(f) {
			return
		}
		if v, ok := lookup(envName(f.Name)); ok {
			setFrom(f, v, "$"+envName(f.Name))
		}
	})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	cf := fs.Lookup(configFlag)
	if cf == nil || cf.Value.String() == "" {
		return nil
	}
	path := cf.Value.String()
	keys, err := readConfigFile(path, cmd)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		f := fs.Lookup(k)
		if f == nil || !settable(f) || f.Changed {
			continue // another command's flag, or set by a flag or variable
		}
		setFrom(f, keys[k].value, fmt.Sprintf("%s key %s", path, keys[k].key))
	}
	return errors.Join(errs...)
}

// configValue is a key's value as flag text, and the key as written (with
// its section).
type configValue struct{ key, value string }

// readConfigFile reads the settings of cmd from a YAML or TOML file: the
// top-level keys, overridden by those of the section named cmd. Every key
// must be a flag of some command, "password" is refused, and a value must
// be text, a number, a boolean or, for a list flag, a list of those.
func readConfigFile(path string, cmd *cobra.Command) (map[string]configValue, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	var doc map[string]any
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".yaml", ".yml":
		err = yaml.Unmarshal(data, &doc)
	case ".toml":
		err = toml.Unmarshal(data, &doc)
	default:
		return nil, fmt.Errorf("--config %s: unknown file type %q: want .yaml, .yml or .toml", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("--config %s: %s", path, oneLine(err.Error()))
	}
	known, commands := allFlags(cmd.Root())
	var errs []error
	out := map[string]configValue{}
	add := func(section string, m map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v := m[k]
			key := k
			if section != "" {
				key = section + "." + k
			}
			bad := func(format string, args ...any) {
				errs = append(errs, fmt.Errorf("config file %s: key %s: %s", path, key, fmt.Sprintf(format, args...)))
			}
			if _, ok := v.(map[string]any); ok && section == "" && commands[k] {
				continue // a command's section, read next
			}
			switch {
			case k == "password":
				bad("passwords are never read from a file of settings: set $RINGSCAN_PASSWORD or password-file")
				continue
			case k == configFlag:
				bad("a config file cannot name another one")
				continue
			case !known[k]:
				bad("no such flag%s", suggest(k, known))
				continue
			}
			text, err := flagText(v, cmd.Flags().Lookup(k))
			if err != nil {
				bad("%v", err)
				continue
			}
			out[k] = configValue{key: key, value: text}
		}
	}
	add("", doc)
	if sec, ok := doc[cmd.Name()].(map[string]any); ok {
		add(cmd.Name(), sec)
	}
	for name := range commands {
		if sec, ok := doc[name].(map[string]any); ok && name != cmd.Name() {
			// Other commands' sections are checked for unknown keys only.
			for k := range sec {
				if !known[k] {
					errs = append(errs, fmt.Errorf("config file %s: key %s.%s: no such flag%s", path, name, k, suggest(k, known)))
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// allFlags returns the long names of every visible command's flags and
// the names of the commands.
func allFlags(root *cobra.Command) (flags, commands map[string]bool) {
	flags, commands = map[string]bool{}, map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden {
				continue
			}
			commands[sub.Name()] = true
			sub.Flags().VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && f.Name != "help" {
					flags[f.Name] = true
				}
			})
			walk(sub)
		}
	}
	walk(root)
	return flags, commands
}

// suggest returns ` (did you mean "page-size"?)` for a key close to a
// flag's name, else "".
func suggest(key string, known map[string]bool) string {
	norm := strings.ReplaceAll(strings.ToLower(key), "_", "-")
	if known[norm] {
		return fmt.Sprintf(" (did you mean %q?)", norm)
	}
	return ""
}

// flagText turns a value of a configuration file into the text of flag f
// (nil when the running command has no such flag).
func flagText(v any, f *pflag.Flag) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case []any:
		if f != nil && !strings.HasSuffix(f.Value.Type(), "Slice") {
			return "", fmt.Errorf("a list, but --%s takes one value", f.Name)
		}
		parts := make([]string, len(x))
		for i, e := range x {
			if _, ok := e.([]any); ok {
				return "", errors.New("a list of lists: want a list of values")
			}
			s, err := flagText(e, nil)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	case nil:
		return "", errors.New(`no value: write one, or "" for empty text`)
	case map[string]any:
		return "", errors.New("a table: want a value")
	}
	return "", fmt.Errorf("a %T: want text, a number, a boolean or a list", v)
}

// noteSources adds to a bad-input message where the values of the flags
// it names came from, when not from the command line: "invalid --page-size
// -1: ... (--page-size is $RINGSCAN_PAGE_SIZE)".
func noteSources(msg string, cmd *cobra.Command) string {
	if cmd == nil {
		return msg
	}
	var notes []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		src := f.Annotations[sourceKey]
		if len(src) == 0 || strings.Contains(msg, src[0]) {
			return
		}
		if regexp.MustCompile(`--` + regexp.QuoteMeta(f.Name) + `\b([^-]|$)`).MatchString(msg) {
			notes = append(notes, fmt.Sprintf("--%s is from %s", f.Name, src[0]))
		}
	})
	if len(notes) == 0 {
		return msg
	}
	return msg + " (" + strings.Join(notes, "; ") + ")"
}

// fromCommandLine tells whether flag name was given on the command line
// (not by the environment or a config file).
func fromCommandLine(fs *pflag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	return f != nil && f.Changed && len(f.Annotations[sourceKey]) == 0
}
