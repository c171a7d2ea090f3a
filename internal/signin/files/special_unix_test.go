//go:build unix

package files

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// loadNotOpening runs Load and reports whether it opened fifo for reading:
// a probe opens the FIFO for writing without blocking, which succeeds only
// while a reader has it open. Opening a FIFO for reading blocks until a
// writer comes, so the probe's writer also unblocks a Load that opened it,
// and the test fails instead of hanging.
func loadNotOpening(t *testing.T, fifo string, patterns []string) (error, bool) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Load(context.Background(), patterns)
		done <- err
	}()
	var opened atomic.Bool
	for {
		select {
		case err := <-done:
			return err, opened.Load()
		default:
		}
		fd, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			opened.Store(true)
			_ = syscall.Close(fd) // EOF for the reader: Load goes on and returns
		} else if !errors.Is(err, syscall.ENXIO) {
			t.Fatalf("probe %s: %v", fifo, err)
		}
	}
}

func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "signins.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	good := write(t, dir, "good.jsonl", `{"id":"a","createdDateTime":"2025-01-09T02:02:12Z","status":{"errorCode":50126}}`+"\n")
	link := filepath.Join(dir, "link-to-fifo.json")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		patterns []string
		named    string
		kind     string
	}{
		{"fifo", []string{fifo}, fifo, "named pipe"},
		{"fifo after a good file", []string{good, fifo}, fifo, "named pipe"},
		{"glob matching a fifo", []string{filepath.Join(dir, "g*"), filepath.Join(dir, "s*")}, fifo, "named pipe"},
		{"symlink to a fifo", []string{link}, link, "named pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err, opened := loadNotOpening(t, fifo, tc.patterns)
			if opened {
				t.Errorf("Load opened the FIFO (start-up would hang until a writer came)")
			}
			if err == nil {
				t.Fatalf("Load(%q) succeeded, want it to refuse the FIFO", tc.patterns)
			}
			for _, want := range []string{tc.named, "not a regular file", tc.kind, "want a regular file"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load(%q) = %v, want it to say %q", tc.patterns, err, want)
				}
			}
		})
	}

	t.Run("device", func(t *testing.T) {
		_, err := Load(context.Background(), []string{os.DevNull})
		if err == nil || !strings.Contains(err.Error(), os.DevNull) || !strings.Contains(err.Error(), "not a regular file: a device") {
			t.Errorf("Load(%s) = %v, want a not-a-regular-file error naming it", os.DevNull, err)
		}
	})

	t.Run("socket", func(t *testing.T) {
		sdir, err := os.MkdirTemp("", "sock") // short: socket paths are limited to about 100 bytes
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(sdir) })
		sock := filepath.Join(sdir, "s.json")
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Skip("unix socket:", err)
		}
		defer ln.Close()
		_, err = Load(context.Background(), []string{sock})
		if err == nil || !strings.Contains(err.Error(), sock) || !strings.Contains(err.Error(), "not a regular file: a socket") {
			t.Errorf("Load(socket) = %v, want a not-a-regular-file error naming it", err)
		}
	})

	t.Run("symlink to a regular file", func(t *testing.T) {
		l := filepath.Join(dir, "link-to-good")
		if err := os.Symlink(good, l); err != nil {
			t.Fatal(err)
		}
		if res := load(t, l); len(res.SignIns) != 1 {
			t.Errorf("Load(symlink to a file) = %d sign-ins, want 1", len(res.SignIns))
		}
	})
}
