// Package consentrygate is the ingest gateway's check, as one collector processor: only
// what consentry itself can send passes. Every rule comes from consentry's data
// manifest (which keys exist, where each may appear, the type and shape of its values),
// generated into gateway.yaml by scripts/gen-gateway-allowlist.sh; nothing here names a
// key. A span that breaks a span-level rule (foreign scope, a required key missing,
// times outside the window) is dropped; a value that does not fit its key's shape is
// masked; a key consentry cannot send, or a value of another type, is removed. Each
// correction is counted (consentry_gateway_dropped, consentry_gateway_masked on the
// collector's own metrics endpoint).
package consentrygate

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Config is the processor's configuration (gateway.yaml, processors.consentrygate).
type Config struct {
	// Scope is the only instrumentation scope accepted.
	Scope string `mapstructure:"scope"`
	// ScopeVersion is the shape of the scope's version; another version is cleared.
	ScopeVersion string `mapstructure:"scope_version"`
	// SchemaURL is the shape of the resource's and the scope's schema URL (the semantic
	// conventions release the names follow); another URL is cleared. Empty: always
	// cleared.
	SchemaURL string `mapstructure:"schema_url"`
	// Name is the shape of span and event names; another name is masked.
	Name string `mapstructure:"name"`
	// Past and Future bound a span's start time around the time it is received;
	// MaxDuration bounds end minus start. A span outside them is dropped.
	Past        time.Duration `mapstructure:"past"`
	Future      time.Duration `mapstructure:"future"`
	MaxDuration time.Duration `mapstructure:"max_duration"`
	// MaxEvents and MaxLinks: more are dropped (and counted in the span's dropped
	// counts). Links keep only their ids.
	MaxEvents int `mapstructure:"max_events"`
	MaxLinks  int `mapstructure:"max_links"`
	// MaxArray: elements of an array value beyond it are dropped.
	MaxArray int `mapstructure:"max_array"`
	// RequiredResource and RequiredSpan name the keys without which a span is not
	// consentry's; RequiredRoot, the keys a span without a parent (a command span) must
	// also carry.
	RequiredResource []string `mapstructure:"required_resource"`
	RequiredSpan     []string `mapstructure:"required_span"`
	RequiredRoot     []string `mapstructure:"required_root"`
	// EraseName is the name of the erase request's span (consentry's `telemetry
	// delete`): such a span keeps only the keys whose Where is erase, must carry every
	// RequiredErase key with a value of its shape, and none of the others. No other
	// span may carry an erase key. Empty: no span is an erase request.
	EraseName     string   `mapstructure:"erase_name"`
	RequiredErase []string `mapstructure:"required_erase"`
	// Keys is the manifest: every key consentry can emit with its place, type and shape.
	Keys []KeyRule `mapstructure:"keys"`
	// SecretPatterns are masked with **** in every string that passed its shape and is
	// marked Scan (tokens, free text).
	SecretPatterns []string `mapstructure:"secret_patterns"`
}

// KeyRule is one key of the manifest.
type KeyRule struct {
	Key string `mapstructure:"key"`
	// Where: resource, span, event, span+event (a key the tool declared), or erase
	// (only on the erase request's span).
	Where string `mapstructure:"where"`
	// Type: str, strs (array of strings), int, double, bool, number (int or double), or
	// token (a string of Shape, an int, a double or a bool: a declared field).
	Type string `mapstructure:"type"`
	// Shape: a regular expression a whole string (each element of strs) must match;
	// a value that does not is replaced with *****.
	Shape string `mapstructure:"shape"`
	// Min and Max bound an int or a double (a NaN double is out of every range).
	Min *int64 `mapstructure:"min"`
	Max *int64 `mapstructure:"max"`
	// Truncate: longer strings are cut to this many bytes (at a character boundary)
	// before the shape is checked: free text. Zero: a longer string fails the shape.
	Truncate int `mapstructure:"truncate"`
	// Scan: also mask the secret patterns inside the value.
	Scan bool `mapstructure:"scan"`
}

func createDefaultConfig() *Config {
	return &Config{
		Scope:       "consentry",
		Past:        8 * 24 * time.Hour,
		Future:      time.Hour,
		MaxDuration: 8 * 24 * time.Hour,
		MaxEvents:   128,
		MaxLinks:    4,
		MaxArray:    256,
	}
}

// Validate checks that every pattern compiles and every rule is complete.
func (c *Config) Validate() error {
	var errs []error
	if c.Scope == "" {
		errs = append(errs, errors.New("scope is empty"))
	}
	for _, p := range append([]string{c.ScopeVersion, c.SchemaURL, c.Name}, c.SecretPatterns...) {
		if _, err := regexp.Compile(p); err != nil {
			errs = append(errs, fmt.Errorf("pattern %q: %w", p, err))
		}
	}
	if len(c.Keys) == 0 {
		errs = append(errs, errors.New("keys is empty"))
	}
	seen := map[string]bool{}
	for _, k := range c.Keys {
		if seen[k.Key] {
			errs = append(errs, fmt.Errorf("key %q twice", k.Key))
		}
		seen[k.Key] = true
		switch k.Where {
		case "resource", "span", "event", "span+event", "erase":
		default:
			errs = append(errs, fmt.Errorf("key %q: where %q", k.Key, k.Where))
		}
		switch k.Type {
		case "str", "strs", "token":
			if _, err := regexp.Compile(k.Shape); err != nil || k.Shape == "" {
				errs = append(errs, fmt.Errorf("key %q: shape %q: %v", k.Key, k.Shape, err))
			}
		case "int", "double", "bool", "number":
		default:
			errs = append(errs, fmt.Errorf("key %q: type %q", k.Key, k.Type))
		}
	}
	required := append(append(append([]string{}, c.RequiredResource...), c.RequiredSpan...), c.RequiredRoot...)
	for _, r := range append(required, c.RequiredErase...) {
		if !seen[r] {
			errs = append(errs, fmt.Errorf("required key %q is not among keys", r))
		}
	}
	if c.EraseName != "" && len(c.RequiredErase) == 0 {
		errs = append(errs, errors.New("erase_name needs required_erase: a request without its proof is not one"))
	}
	if c.MaxEvents < 0 || c.MaxLinks < 0 || c.MaxArray < 1 || c.Past <= 0 || c.Future < 0 || c.MaxDuration <= 0 {
		errs = append(errs, errors.New("limits must be positive"))
	}
	return errors.Join(errs...)
}
