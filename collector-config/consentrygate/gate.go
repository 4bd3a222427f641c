package consentrygate

import (
	"context"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Mask replaces a value that does not fit its key's shape (consentry's own mask).
const Mask = "*****"

// SecretMask replaces a secret found inside a value.
const SecretMask = "****"

// Where a key may appear.
const (
	inResource = 1 << iota
	inSpan
	inEvent
	inErase
)

type rule struct {
	key      string
	where    int
	typ      string
	shape    *regexp.Regexp
	min, max int64
	truncate int
	scan     bool
}

type gate struct {
	cfg          *Config
	scopeVersion *regexp.Regexp
	schemaURL    *regexp.Regexp
	name         *regexp.Regexp
	secret       *regexp.Regexp
	rules        map[string]*rule

	dropped metric.Int64Counter
	masked  metric.Int64Counter

	// Scanned strings and their masked form: the same tool names, versions and
	// commands arrive over and over. Bounded: cleared when full.
	cacheMu sync.Mutex
	cache   map[string]string
}

const cacheSize = 1 << 14

func anchored(p string) *regexp.Regexp {
	if p == "" {
		return nil
	}
	return regexp.MustCompile("^(?:" + p + ")$")
}

func newGate(cfg *Config, set component.TelemetrySettings) (*gate, error) {
	g := &gate{
		cfg:          cfg,
		scopeVersion: anchored(cfg.ScopeVersion),
		schemaURL:    anchored(cfg.SchemaURL),
		name:         anchored(cfg.Name),
		rules:        map[string]*rule{},
		cache:        map[string]string{},
	}
	if len(cfg.SecretPatterns) > 0 {
		all := ""
		for i, p := range cfg.SecretPatterns {
			if i > 0 {
				all += "|"
			}
			all += "(?:" + p + ")"
		}
		g.secret = regexp.MustCompile(all)
	}
	for _, k := range cfg.Keys {
		r := &rule{key: k.Key, typ: k.Type, shape: anchored(k.Shape), truncate: k.Truncate, scan: k.Scan,
			min: -1 << 63, max: 1<<63 - 1}
		if k.Min != nil {
			r.min = *k.Min
		}
		if k.Max != nil {
			r.max = *k.Max
		}
		switch k.Where {
		case "resource":
			r.where = inResource
		case "span":
			r.where = inSpan
		case "event":
			r.where = inEvent
		case "span+event":
			r.where = inSpan | inEvent
		case "erase":
			r.where = inErase
		}
		g.rules[k.Key] = r
	}
	meter := set.MeterProvider.Meter("example.invalid/consentry/consentrygate")
	var err error
	g.dropped, err = meter.Int64Counter("consentry_gateway_dropped",
		metric.WithDescription("What the gateway dropped: spans, events, links, keys and array elements, by reason."),
		metric.WithUnit("{item}"))
	if err != nil {
		return nil, err
	}
	g.masked, err = meter.Int64Counter("consentry_gateway_masked",
		metric.WithDescription("Values the gateway masked or cut, by key."),
		metric.WithUnit("{value}"))
	if err != nil {
		return nil, err
	}
	return g, nil
}

// tally counts one batch's corrections, reported once at its end.
type tally struct {
	dropped map[[2]string]int64
	masked  map[string]int64
}

func (t *tally) drop(what, reason string, n int) {
	if n == 0 {
		return
	}
	if t.dropped == nil {
		t.dropped = map[[2]string]int64{}
	}
	t.dropped[[2]string{what, reason}] += int64(n)
}

func (t *tally) mask(key string) {
	if t.masked == nil {
		t.masked = map[string]int64{}
	}
	t.masked[key]++
}

func (g *gate) report(ctx context.Context, t *tally) {
	for k, n := range t.dropped {
		g.dropped.Add(ctx, n, metric.WithAttributes(attribute.String("what", k[0]), attribute.String("reason", k[1])))
	}
	for k, n := range t.masked {
		g.masked.Add(ctx, n, metric.WithAttributes(attribute.String("key", k)))
	}
}

func (g *gate) process(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var t tally
	now := uint64(time.Now().UnixNano())
	oldest := now - uint64(g.cfg.Past)
	newest := now + uint64(g.cfg.Future)
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		res := rs.Resource().Attributes()
		g.clean(res, inResource, &t)
		resourceOK := hasAll(res, g.cfg.RequiredResource)
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			scope := ss.Scope()
			if !resourceOK {
				t.drop("span", "required_key", ss.Spans().Len())
				return true
			}
			if scope.Name() != g.cfg.Scope {
				t.drop("span", "foreign_scope", ss.Spans().Len())
				return true
			}
			if n := scope.Attributes().Len(); n > 0 {
				t.drop("key", "not_in_manifest", n)
				scope.Attributes().Clear()
			}
			scope.SetDroppedAttributesCount(0)
			if v := scope.Version(); v != "" && (g.scopeVersion == nil || !g.scopeVersion.MatchString(v)) {
				t.mask("scope.version")
				scope.SetVersion("")
			}
			if u := ss.SchemaUrl(); u != "" && !g.knownSchema(u) {
				t.mask("scope.schema_url")
				ss.SetSchemaUrl("")
			}
			ss.Spans().RemoveIf(func(sp ptrace.Span) bool {
				return !g.span(sp, oldest, newest, &t)
			})
			return ss.Spans().Len() == 0
		})
		if u := rs.SchemaUrl(); u != "" && !g.knownSchema(u) {
			t.mask("resource.schema_url")
			rs.SetSchemaUrl("")
		}
		return rs.ScopeSpans().Len() == 0
	})
	g.report(ctx, &t)
	if td.ResourceSpans().Len() == 0 {
		return td, processorhelper.ErrSkipProcessingData
	}
	return td, nil
}

// knownSchema: a semantic conventions release URL, which says only which names the
// client follows; anything else is a free string a client could fill.
func (g *gate) knownSchema(u string) bool {
	return g.schemaURL != nil && g.schemaURL.MatchString(u)
}

// span checks one span; false: drop it.
func (g *gate) span(sp ptrace.Span, oldest, newest uint64, t *tally) bool {
	start, end := uint64(sp.StartTimestamp()), uint64(sp.EndTimestamp())
	if start < oldest || start > newest || end < start || end-start > uint64(g.cfg.MaxDuration) {
		t.drop("span", "time", 1)
		return false
	}
	if sp.TraceID().IsEmpty() || sp.SpanID().IsEmpty() {
		t.drop("span", "id", 1)
		return false
	}
	attrs := sp.Attributes()
	if g.cfg.EraseName != "" && sp.Name() == g.cfg.EraseName {
		return g.eraseRequest(sp, t)
	}
	g.clean(attrs, inSpan, t)
	if !hasAll(attrs, g.cfg.RequiredSpan) || (sp.ParentSpanID().IsEmpty() && !hasAll(attrs, g.cfg.RequiredRoot)) {
		t.drop("span", "required_key", 1)
		return false
	}
	sp.SetDroppedAttributesCount(0)
	if !g.okName(sp.Name()) {
		t.mask("span.name")
		sp.SetName(Mask)
	}
	sp.TraceState().FromRaw("")
	sp.Status().SetMessage("")
	// Only the defined bits: W3C trace flags and the parent-is-remote pair.
	sp.SetFlags(sp.Flags() & 0x3ff)

	events := sp.Events()
	if n := events.Len() - g.cfg.MaxEvents; n > 0 {
		t.drop("event", "over_limit", n)
		i := 0
		events.RemoveIf(func(ptrace.SpanEvent) bool { i++; return i > g.cfg.MaxEvents })
	}
	events.RemoveIf(func(ev ptrace.SpanEvent) bool {
		ts := uint64(ev.Timestamp())
		if ts < oldest || ts > newest {
			t.drop("event", "time", 1)
			return true
		}
		if !g.okName(ev.Name()) {
			t.mask("event.name")
			ev.SetName(Mask)
		}
		g.clean(ev.Attributes(), inEvent, t)
		ev.SetDroppedAttributesCount(0)
		return false
	})
	sp.SetDroppedEventsCount(0)

	links := sp.Links()
	if n := links.Len() - g.cfg.MaxLinks; n > 0 {
		t.drop("link", "over_limit", n)
		i := 0
		links.RemoveIf(func(ptrace.SpanLink) bool { i++; return i > g.cfg.MaxLinks })
	}
	for i := 0; i < links.Len(); i++ {
		l := links.At(i)
		if n := l.Attributes().Len(); n > 0 {
			t.drop("key", "on_link", n)
			l.Attributes().Clear()
		}
		if l.TraceState().AsRaw() != "" {
			t.mask("link.trace_state")
			l.TraceState().FromRaw("")
		}
		l.SetDroppedAttributesCount(0)
		l.SetFlags(l.Flags() & 0x3ff)
	}
	sp.SetDroppedLinksCount(0)
	return true
}

// eraseRequest checks the erase request's span (consentry's `telemetry delete`): only
// its proof passes, and only with a value of its shape (a masked token proves nothing,
// so the span is dropped); nothing else of the span is kept. The store erases the rows
// whose commitment is the token's SHA-256.
func (g *gate) eraseRequest(sp ptrace.Span, t *tally) bool {
	attrs := sp.Attributes()
	g.clean(attrs, inErase, t)
	ok := hasAll(attrs, g.cfg.RequiredErase)
	attrs.Range(func(_ string, v pcommon.Value) bool {
		ok = ok && v.Type() == pcommon.ValueTypeStr && v.Str() != Mask
		return ok
	})
	if !ok {
		t.drop("span", "erase_proof", 1)
		return false
	}
	sp.SetDroppedAttributesCount(0)
	sp.SetParentSpanID(pcommon.NewSpanIDEmpty())
	sp.TraceState().FromRaw("")
	sp.Status().SetMessage("")
	sp.SetFlags(sp.Flags() & 0x3ff)
	t.drop("event", "erase_request", sp.Events().Len())
	sp.Events().RemoveIf(func(ptrace.SpanEvent) bool { return true })
	sp.SetDroppedEventsCount(0)
	t.drop("link", "erase_request", sp.Links().Len())
	sp.Links().RemoveIf(func(ptrace.SpanLink) bool { return true })
	sp.SetDroppedLinksCount(0)
	return true
}

func (g *gate) okName(name string) bool {
	return g.name != nil && g.name.MatchString(name) && (g.secret == nil || g.scanned(name) == name)
}

func hasAll(m pcommon.Map, keys []string) bool {
	for _, k := range keys {
		if _, ok := m.Get(k); !ok {
			return false
		}
	}
	return true
}

// clean removes every key that may not appear here or whose value has the wrong type
// or range, and masks strings that do not fit their shape.
func (g *gate) clean(m pcommon.Map, where int, t *tally) {
	m.RemoveIf(func(k string, v pcommon.Value) bool {
		r := g.rules[k]
		if r == nil || r.where&where == 0 {
			t.drop("key", "not_in_manifest", 1)
			return true
		}
		switch v.Type() {
		case pcommon.ValueTypeStr:
			if r.typ != "str" && r.typ != "token" {
				break
			}
			if s, changed := g.value(r, v.Str()); changed {
				t.mask(k)
				v.SetStr(s)
			}
			return false
		case pcommon.ValueTypeSlice:
			if r.typ != "strs" {
				break
			}
			sl := v.Slice()
			if n := sl.Len() - g.cfg.MaxArray; n > 0 {
				t.drop("element", "over_limit", n)
				i := 0
				sl.RemoveIf(func(pcommon.Value) bool { i++; return i > g.cfg.MaxArray })
			}
			wrong := 0
			sl.RemoveIf(func(e pcommon.Value) bool {
				if e.Type() != pcommon.ValueTypeStr {
					wrong++
					return true
				}
				if s, changed := g.value(r, e.Str()); changed {
					t.mask(k)
					e.SetStr(s)
				}
				return false
			})
			t.drop("element", "wrong_type", wrong)
			return false
		case pcommon.ValueTypeInt:
			if r.typ != "int" && r.typ != "number" && r.typ != "token" {
				break
			}
			if i := v.Int(); i < r.min || i > r.max {
				t.drop("key", "out_of_range", 1)
				return true
			}
			return false
		case pcommon.ValueTypeDouble:
			if r.typ == "double" {
				// A weight of NaN, infinity or outside the declared range would skew
				// every estimate it enters: removed, like an int out of range.
				if d := v.Double(); !(d >= float64(r.min) && d <= float64(r.max)) {
					t.drop("key", "out_of_range", 1)
					return true
				}
				return false
			}
			if r.typ == "number" || r.typ == "token" {
				return false
			}
		case pcommon.ValueTypeBool:
			if r.typ == "bool" || r.typ == "token" {
				return false
			}
		}
		// Bytes, maps, empty values and any type the key does not carry.
		t.drop("key", "wrong_type", 1)
		return true
	})
}

// value returns the string as it may leave: cut (free text), masked whole when it does
// not fit the shape, secrets masked inside; and whether it changed.
func (g *gate) value(r *rule, s string) (string, bool) {
	orig := s
	if r.truncate > 0 && len(s) > r.truncate {
		s = cut(s, r.truncate)
	}
	if r.shape != nil && !r.shape.MatchString(s) {
		return Mask, true
	}
	if r.scan && g.secret != nil {
		s = g.scanned(s)
	}
	return s, s != orig
}

// scanned masks the secret patterns in s, remembering recent answers.
func (g *gate) scanned(s string) string {
	g.cacheMu.Lock()
	out, ok := g.cache[s]
	g.cacheMu.Unlock()
	if ok {
		return out
	}
	out = g.secret.ReplaceAllString(s, SecretMask)
	g.cacheMu.Lock()
	if len(g.cache) >= cacheSize {
		clear(g.cache)
	}
	g.cache[s] = out
	g.cacheMu.Unlock()
	return out
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
