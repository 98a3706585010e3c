"""clusterpack: structured data about an industrial cluster → the submission packet."""
