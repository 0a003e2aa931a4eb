package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// benchConfiguration is the delivered configuration the transports carry
// in their benchmarks: the 52 top-level setting instances of the
// full-metadata Windows antivirus fixture (annotations included).
func benchConfiguration(b *testing.B) []*SettingInstance {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "graph", "windows-antivirus-full.json"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := DecodeGraph(data)
	if err != nil {
		b.Fatal(err)
	}
	insts := make([]*SettingInstance, len(p.Settings))
	for i, s := range p.Settings {
		insts[i] = s.Instance
	}
	if len(insts) != 52 {
		b.Fatalf("the configuration has %d instances, want 52", len(insts))
	}
	return insts
}

// BenchmarkEncodeConfiguration encodes the 52-instance configuration
// (46 KB of JSON): with json.Marshal, as a program that embeds the slice in
// its own types does (encoding/json then checks and compacts what each
// MarshalJSON returns), and with AppendInstances, in one pass into one
// buffer.
func BenchmarkEncodeConfiguration(b *testing.B) {
	insts := benchConfiguration(b)
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(insts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendInstances", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := AppendInstances(nil, insts); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A server that keeps its response buffers appends into one it has.
	b.Run("AppendInstances/reused", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = AppendInstances(buf[:0], insts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeConfiguration decodes the 52-instance configuration: with
// json.Unmarshal (encoding/json checks the whole input, then hands each
// element to UnmarshalJSON), and with DecodeInstances, in one pass.
func BenchmarkDecodeConfiguration(b *testing.B) {
	data, err := json.Marshal(benchConfiguration(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var insts []*SettingInstance
			if err := json.Unmarshal(data, &insts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeInstances", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeInstances(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeBuilt encodes the 30-setting antivirus policy of
// BenchmarkEncode as built in code, before any decoding: the create shape.
func BenchmarkEncodeBuilt(b *testing.B) {
	c := Builtin()
	tmpl, _ := c.Template(avTemplate)
	p := samplePolicy(b, c, tmpl, 30)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeGraph(p); err != nil {
			b.Fatal(err)
		}
	}
}
