package filestest

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// HeapMeter samples the heap while a load or decode benchmark runs, so that
// the benchmark can report its peak as well as what stays after it.
type HeapMeter struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

// StartHeapMeter collects garbage and starts sampling the heap (live and not
// yet collected objects) every 2 ms.
func StartHeapMeter() *HeapMeter {
	runtime.GC()
	m := &HeapMeter{stop: make(chan struct{})}
	m.wg.Go(func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > m.peak.Load() {
				m.peak.Store(v)
			}
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	})
	return m
}

// Stop ends the sampling; call it once the benchmark's loop is done.
func (m *HeapMeter) Stop() {
	close(m.stop)
	m.wg.Wait()
}

// Peak returns the largest heap sampled so far, in bytes.
func (m *HeapMeter) Peak() uint64 { return m.peak.Load() }

// Report reports file-MB (fileBytes), heap-MB (the heap that stays while
// result is alive, after a collection) and peak-heap-MB.
func (m *HeapMeter) Report(b *testing.B, fileBytes int64, result any) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(result)
	const mb = 1 << 20
	b.ReportMetric(float64(fileBytes)/mb, "file-MB")
	b.ReportMetric(float64(ms.HeapAlloc)/mb, "heap-MB")
	b.ReportMetric(float64(m.peak.Load())/mb, "peak-heap-MB")
}
