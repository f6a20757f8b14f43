"""Developer tools kept apart from the product: demo data and benchmarks."""
