"""Layer modules (thin wrappers over tensorlite.nn.functional with parameters and defaults)."""
