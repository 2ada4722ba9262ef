// Every test listens to the meter name "Knative.Eventing.Metrics"; running them one at a time keeps
// one test's measurements out of another's collection.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
