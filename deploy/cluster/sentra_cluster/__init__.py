"""Deploying Sentra to a cluster: Kubernetes resources generated from the code's own
declarations (topics.toml, access.toml), rendered with Kustomize and checked offline."""
