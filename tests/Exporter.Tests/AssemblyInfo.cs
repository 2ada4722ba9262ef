// An OpenTelemetry MeterProvider listens to a meter name process-wide, so two exporter hosts running
// at once would see each other's measurements; the tests of this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
