package files

// WithWorkers sets how many workers decode batches (0: every record on
// Load's goroutine, the serial decode) and how large a batch is, so that
// tests can compare the serial and parallel decodes with batches cut at
// awkward places.
func WithWorkers(n, batchBytes int) Option {
	return func(o *options) { o.workers, o.batchBytes = n, batchBytes }
}
