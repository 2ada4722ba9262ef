// The tests listen to the process-wide CloudEvents meter; one at a time keeps counts exact.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
