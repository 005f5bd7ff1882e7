package frame

import "testing"

func TestHeaderAccessors(t *testing.T) {
	f := hf(SEND, "", "a", "1", "b", "2", "a", "3")
	if v, ok := f.Get("a"); !ok || v != "1" {
		t.Fatalf("Get a = %q %v", v, ok)
	}
	if _, ok := f.Get("zz"); ok {
		t.Fatal("Get zz found")
	}
	f.Add("c", "4")
	f.Add("a", "5")
	if len(f.Headers) != 5 {
		t.Fatalf("after Add: %v", f.Headers)
	}
	f.Set("a", "9")
	if want := hf(SEND, "", "a", "9", "b", "2", "c", "4"); !sameFrame(f, want) {
		t.Fatalf("after Set: %v", f.Headers)
	}
	f.Set("d", "x")
	if v, _ := f.Get("d"); v != "x" || len(f.Headers) != 4 {
		t.Fatalf("Set new: %v", f.Headers)
	}
	f.Add("b", "7")
	f.Del("b")
	if want := hf(SEND, "", "a", "9", "c", "4", "d", "x"); !sameFrame(f, want) {
		t.Fatalf("after Del: %v", f.Headers)
	}
	f.Del("nope")
	if len(f.Headers) != 3 {
		t.Fatalf("Del missing: %v", f.Headers)
	}
}

// Editing a parsed frame's headers beyond the inline ones stays correct.
func TestParsedFrameEdit(t *testing.T) {
	fs := mustFrames(t, "SEND\na:1\nb:2\n\n\x00", V12)
	f := fs[0]
	for i := range 20 {
		f.Add("x", string(rune('a'+i)))
	}
	f.Set("x", "only")
	if want := hf(SEND, "", "a", "1", "b", "2", "x", "only"); !sameFrame(f, want) {
		t.Fatalf("%v", f.Headers)
	}
}
