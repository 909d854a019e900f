// Command go-helper compiles OPA's YAML conformance cases to wasm in one process, so the TypeScript harness
// (conformance/run.ts) does not pay one `opa build` start-up per case. It loads the cases with OPA's own loader
// (v1/test/cases), compiles each case's modules and query the way OPA's wasm SDK harness does
// (internal/wasm/sdk/test/e2e/external_test.go: rego.New(rego.Query, rego.Module..., rego.Capabilities).Compile),
// but against Clearance's capabilities file, and writes one manifest line per case. Wasm modules land in a cache
// directory keyed by a hash of everything that shapes the compiled bytes, so a second run only evaluates.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gobwas/glob"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/test/cases"
	"github.com/open-policy-agent/opa/v1/types"
	"github.com/open-policy-agent/opa/v1/util"
	"github.com/open-policy-agent/opa/v1/version"
)

// cacheEpoch changes whenever this helper changes how it compiles, invalidating cached modules.
const cacheEpoch = "3"

type manifestCase struct {
	Key           string            `json:"key"`
	Exception     string            `json:"exception,omitempty"`
	Mentions      []string          `json:"mentions,omitempty"`
	Note          string            `json:"note"`
	Query         string            `json:"query"`
	Wasm          string            `json:"wasm,omitempty"`
	CompileError  string            `json:"compileError,omitempty"`
	Data          *string           `json:"data,omitempty"`
	Input         *string           `json:"input,omitempty"`
	WantDefined   *bool             `json:"wantDefined,omitempty"`
	WantResult    json.RawMessage   `json:"wantResult,omitempty"`
	WantErrorCode *string           `json:"wantErrorCode,omitempty"`
	WantError     *string           `json:"wantError,omitempty"`
	SortBindings  bool              `json:"sortBindings,omitempty"`
	StrictError   bool              `json:"strictError,omitempty"`
	Env           map[string]string `json:"env,omitempty"`
}

// Usage:
//
//	go-helper list    -cases DIR [-exceptions FILE]                one {"key","note","exception"} line per case
//	go-helper compile -cases DIR -capabilities FILE -cache DIR -out FILE [-only FILE] [-exceptions FILE] [-workers N]
func main() {
	if len(os.Args) < 2 || (os.Args[1] != "list" && os.Args[1] != "compile") {
		fmt.Fprintln(os.Stderr, "usage: go-helper list|compile [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	flag.CommandLine.Parse(os.Args[2:])
	if mode == "list" {
		if err := list(*casesDir, *excFile); err != nil {
			fmt.Fprintln(os.Stderr, "go-helper:", err)
			os.Exit(1)
		}
		return
	}
	if *casesDir == "" || *capsFile == "" || *cacheDir == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*casesDir, *capsFile, *cacheDir, *out, *only, *excFile, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "go-helper:", err)
		os.Exit(1)
	}
}

var (
	casesDir = flag.String("cases", "", "directory of OPA YAML test cases (e.g. <opa>/v1/test/cases/testdata/v1)")
	capsFile = flag.String("capabilities", "", "capabilities JSON the cases are compiled against")
	cacheDir = flag.String("cache", "", "directory for compiled wasm modules")
	out      = flag.String("out", "", "manifest file to write (JSON lines)")
	only     = flag.String("only", "", "file of case keys (<file relative to -cases>#<note>) to compile; all when empty")
	workers  = flag.Int("workers", runtime.NumCPU(), "parallel compilations")
	excFile  = flag.String("exceptions", "", "OPA's wasm SDK exceptions.yaml: notes (or globs) skipped, with reasons")
	watch    = flag.String("mentions", "", "comma-separated builtin names; the manifest lists those a case's modules or query mention")
)

type exceptionRule struct {
	note   string
	glob   *glob.Pattern
	reason string
}

// loadExceptions reads the exception list the way OPA's wasm SDK harness does (exact notes, and globs with '/'
// as separator for entries containing '*').
func loadExceptions(path string) ([]exceptionRule, error) {
	if path == "" {
		return nil, nil
	}
	bs, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := util.Unmarshal(bs, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rules []exceptionRule
	for pattern, reason := range m {
		r := exceptionRule{note: pattern, reason: reason}
		if strings.Contains(pattern, "*") {
			g, err := glob.Compile(pattern, '/')
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", path, pattern, err)
			}
			r.glob = g
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func exceptionFor(rules []exceptionRule, note string) string {
	for _, r := range rules {
		if r.glob == nil && r.note == note {
			return r.reason
		}
	}
	for _, r := range rules {
		if r.glob != nil && r.glob.Match(note) {
			return r.reason
		}
	}
	return ""
}

func list(casesDir, exceptionsFile string) error {
	set, err := cases.Load(casesDir)
	if err != nil {
		return err
	}
	rules, err := loadExceptions(exceptionsFile)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, kc := range keyed(casesDir, set) {
		entry := map[string]string{"key": kc.key, "note": kc.tc.Note}
		if reason := exceptionFor(rules, kc.tc.Note); reason != "" {
			entry["exception"] = reason
		}
		if err := enc.Encode(entry); err != nil {
			return err
		}
	}
	return w.Flush()
}

func run(casesDir, capsFile, cacheDir, out, only, exceptionsFile string, workers int) error {
	rules, err := loadExceptions(exceptionsFile)
	if err != nil {
		return err
	}
	capsBytes, err := os.ReadFile(capsFile)
	if err != nil {
		return err
	}
	caps, err := ast.LoadCapabilitiesJSON(strings.NewReader(string(capsBytes)))
	if err != nil {
		return fmt.Errorf("%s: %w", capsFile, err)
	}
	// OPA's wasm harness registers this builtin for its time-caching case; the TS harness supplies it.
	caps.Builtins = append(caps.Builtins, testSleep)
	set, err := cases.Load(casesDir)
	if err != nil {
		return err
	}
	selected, err := readSelection(only)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return err
	}
	capsHash := sha256.Sum256(capsBytes)

	var todo []keyedCase
	for _, kc := range keyed(casesDir, set) {
		if selected != nil && !selected[kc.key] {
			continue
		}
		todo = append(todo, kc)
	}
	exceptions := make([]string, len(todo))
	for i, kc := range todo {
		exceptions[i] = exceptionFor(rules, kc.tc.Note)
	}

	results := make([]manifestCase, len(todo))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = compileCase(cacheDir, caps, capsHash[:], todo[i])
				results[i].Exception = exceptions[i]
				results[i].Mentions = mentions(todo[i].tc, *watch)
			}
		}()
	}
	for i := range todo {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// testSleep is the builtin OPA's wasm SDK harness registers (addTestSleepBuiltin); registering it globally makes
// the planner know it, the capabilities entry lets the type checker accept it.
var testSleep = &ast.Builtin{
	Name: "test.sleep",
	Decl: types.NewFunction(types.Args(types.S), types.NewNull()),
}

func init() {
	ast.RegisterBuiltin(testSleep)
}

type keyedCase struct {
	key string
	tc  cases.TestCase
}

// keyed names each case "<file relative to casesDir>#<note>", with "#<n>" appended to the n-th repeat of a
// note within one file (some files reuse a note), in OPA's sorted case order.
func keyed(casesDir string, set cases.Set) []keyedCase {
	seen := map[string]int{}
	var out []keyedCase
	for _, tc := range set.Sorted().Cases {
		rel, err := filepath.Rel(casesDir, tc.Filename)
		if err != nil {
			rel = tc.Filename
		}
		key := filepath.ToSlash(rel) + "#" + tc.Note
		n := seen[key]
		seen[key] = n + 1
		if n > 0 {
			key += fmt.Sprintf("#%d", n)
		}
		out = append(out, keyedCase{key: key, tc: tc})
	}
	return out
}

// mentions reports which of the watched builtin names appear in a case's query or modules, so the harness
// can tell a case that needs a refused builtin (e.g. to mock http.send) from one that fails to compile.
func mentions(tc cases.TestCase, watched string) []string {
	var found []string
	for name := range strings.SplitSeq(watched, ",") {
		if name == "" {
			continue
		}
		hit := strings.Contains(tc.Query, name)
		for _, m := range tc.Modules {
			hit = hit || strings.Contains(m, name)
		}
		if hit {
			found = append(found, name)
		}
	}
	return found
}

func readSelection(path string) (map[string]bool, error) {
	if path == "" {
		return nil, nil
	}
	bs, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	selected := map[string]bool{}
	for line := range strings.SplitSeq(string(bs), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			selected[line] = true
		}
	}
	return selected, nil
}

func compileCase(cacheDir string, caps *ast.Capabilities, capsHash []byte, kc keyedCase) manifestCase {
	tc := kc.tc
	mc := manifestCase{
		Key:           kc.key,
		Note:          tc.Note,
		Query:         tc.Query,
		WantDefined:   tc.WantDefined,
		WantErrorCode: tc.WantErrorCode,
		WantError:     tc.WantError,
		SortBindings:  tc.SortBindings,
		StrictError:   tc.StrictError,
		Env:           tc.Env,
	}
	if tc.Data != nil {
		s := string(mustJSON(*tc.Data))
		mc.Data = &s
	}
	if tc.WantResult != nil {
		mc.WantResult = mustJSON(*tc.WantResult)
	}
	// Input as the wasm SDK hands it over: a term's Rego text (sets survive; opa_eval parses values), else JSON.
	if tc.InputTerm != nil {
		term, err := ast.ParseTerm(*tc.InputTerm)
		if err != nil {
			mc.CompileError = "input_term: " + err.Error()
			return mc
		}
		s := term.String()
		mc.Input = &s
	} else if tc.Input != nil {
		s := string(mustJSON(*tc.Input))
		mc.Input = &s
	}

	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%x\x00%s\x00%t\x00", cacheEpoch, version.Version, capsHash, tc.Query, tc.ExperimentalKeywords)
	for _, m := range tc.Modules {
		fmt.Fprintf(h, "%d\x00%s\x00", len(m), m)
	}
	key := hex.EncodeToString(h.Sum(nil))
	wasmPath := filepath.Join(cacheDir, key+".wasm")
	errPath := filepath.Join(cacheDir, key+".err")
	if _, err := os.Stat(wasmPath); err == nil {
		mc.Wasm = wasmPath
		return mc
	}
	if bs, err := os.ReadFile(errPath); err == nil {
		mc.CompileError = string(bs)
		return mc
	}

	bytes, err := compile(caps, tc)
	if err != nil {
		mc.CompileError = err.Error()
		_ = writeAtomic(errPath, []byte(mc.CompileError))
		return mc
	}
	if err := writeAtomic(wasmPath, bytes); err != nil {
		mc.CompileError = "cache: " + err.Error()
		return mc
	}
	mc.Wasm = wasmPath
	return mc
}

func compile(caps *ast.Capabilities, tc cases.TestCase) (bs []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compiler panic: %v", r)
		}
	}()
	c := *caps
	if tc.ExperimentalKeywords {
		c.FutureKeywords = ast.CapabilitiesForThisVersion(ast.CapabilitiesExperimentalKeywords(true)).FutureKeywords
	}
	opts := []func(*rego.Rego){
		rego.Query(tc.Query),
		rego.SetRegoVersion(ast.RegoV1),
		rego.Capabilities(&c),
	}
	for i, m := range tc.Modules {
		opts = append(opts, rego.Module(fmt.Sprintf("module-%d.rego", i), m))
	}
	cr, err := rego.New(opts...).Compile(context.Background())
	if err != nil {
		return nil, err
	}
	if cr == nil || len(cr.Bytes) == 0 {
		return nil, errors.New("compiler produced no wasm")
	}
	return cr.Bytes, nil
}

func writeAtomic(path string, bs []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(bs); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func mustJSON(v any) json.RawMessage {
	bs, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return bs
}
