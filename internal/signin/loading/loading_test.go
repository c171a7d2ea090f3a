package loading_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loading"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/memory"
)

// fakeLoad is a loader the test drives: it reports what is sent on
// progress, and returns when result is sent a value.
type fakeLoad struct {
	progress chan loading.Progress
	result   chan error
	started  chan struct{}
}

func newFakeLoad() *fakeLoad {
	return &fakeLoad{progress: make(chan loading.Progress), result: make(chan error), started: make(chan struct{})}
}

func (f *fakeLoad) load(ctx context.Context, report func(loading.Progress)) (signin.Source, error) {
	close(f.started)
	for {
		select {
		case p := <-f.progress:
			report(p)
		case err := <-f.result:
			if err != nil {
				return nil, err
			}
			return memory.New("files", []signin.SignIn{{ID: "a", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Status: signin.Status{ErrorCode: 50126}}}), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// A call made during the load waits for it, sees its progress, and then
// answers from the loaded data.
func TestCallDuringLoadWaitsWithProgress(t *testing.T) {
	f := newFakeLoad()
	src := loading.Start(context.Background(), "files", f.load)
	<-f.started
	if st := src.State(); st.Done {
		t.Fatalf("state %+v before the load ended", st)
	}
	seen := make(chan loading.Progress, 10)
	ctx := loading.WithProgress(context.Background(), func(p loading.Progress) { seen <- p })
	got := make(chan error, 1)
	go func() {
		si, err := src.Get(ctx, "a")
		if err == nil && si.ID != "a" {
			err = errors.New("got sign-in " + si.ID)
		}
		got <- err
	}()
	if p := <-seen; p != (loading.Progress{}) {
		t.Errorf("first progress = %+v, want the zero progress of a load that read nothing yet", p)
	}
	want := loading.Progress{Path: "x.json", File: 1, Files: 2, Bytes: 100, TotalBytes: 400, Records: 7}
	f.progress <- want
	if p := <-seen; p != want {
		t.Errorf("progress = %+v, want %+v", p, want)
	}
	select {
	case err := <-got:
		t.Fatalf("the call returned (%v) before the load ended", err)
	default:
	}
	if st := src.State(); st.Done || st.Progress != want {
		t.Errorf("state while loading = %+v", st)
	}
	f.result <- nil
	if err := <-got; err != nil {
		t.Fatalf("call after the load: %v", err)
	}
	if st := src.State(); !st.Done || st.Err != nil {
		t.Errorf("state after the load = %+v", st)
	}
	if src.Name() != "files" {
		t.Errorf("name %q", src.Name())
	}
}

// A waiting call ends with its caller's context; the load goes on and
// serves the next call.
func TestWaitingCallIsCancellable(t *testing.T) {
	f := newFakeLoad()
	src := loading.Start(context.Background(), "files", f.load)
	<-f.started
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := src.Search(ctx, signin.Query{})
		got <- err
	}()
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call = %v, want context.Canceled", err)
	}
	f.result <- nil
	if _, err := src.Get(context.Background(), "a"); err != nil {
		t.Fatalf("call after the load: %v", err)
	}
}

// A failed load is every call's error, and the state's.
func TestFailedLoadIsTheCallsError(t *testing.T) {
	f := newFakeLoad()
	src := loading.Start(context.Background(), "files", f.load)
	boom := errors.New("load big.json: line 3: want an object")
	f.result <- boom
	if _, err := src.Now(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("call after a failed load = %v, want %v", err, boom)
	}
	if st := src.State(); !st.Done || !errors.Is(st.Err, boom) {
		t.Errorf("state = %+v", st)
	}
}
