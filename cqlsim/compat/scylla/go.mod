module github.com/ringscan/ringscan/cqlsim/compat/scylla

go 1.26.0

require (
	github.com/gocql/gocql v1.7.0
	github.com/ringscan/ringscan v0.0.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/apache/cassandra-gocql-driver/v2 v2.1.2 // indirect
	github.com/google/btree v1.1.3 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/pierrec/lz4/v4 v4.1.21 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	go.uber.org/zap v1.28.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sync v0.24.0 // indirect
	gopkg.in/inf.v0 v0.9.1 // indirect
)

// ScyllaDB's fork keeps the upstream module path.
replace github.com/gocql/gocql => github.com/scylladb/gocql v1.18.3

replace github.com/ringscan/ringscan => ../../..
