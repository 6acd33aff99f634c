package sink_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

// users returns a page of two rows, as the scanner would deliver it.
func users() *sink.Batch {
	var cols []sink.Column
	var types []cqltype.Type
	for _, c := range [][2]string{{"id", "uuid"}, {"name", "text"}, {"joined", "timestamp"}, {"score", "decimal"}, {"tags", "map<text, int>"}} {
		col, err := sink.NewColumn(c[0], c[1])
		if err != nil {
			panic(err)
		}
		t, err := cqltype.Parse(c[1])
		if err != nil {
			panic(err)
		}
		cols, types = append(cols, col), append(types, t)
	}
	b := sink.NewBatch(cols, 0)
	for _, row := range [][]any{
		{"5bd8c6e0-e73a-11ee-8000-000000000001", "Ada, \"the first\"", time.Date(2026, 1, 1, 12, 0, 0, 123e6, time.UTC), "1.250", map[string]int{"admin": 1}},
		{"5bd8c6e0-e73a-11ee-8000-000000000002", "", nil, "-0.5", nil},
	} {
		for i, v := range row {
			w, err := cqltype.Encode(types[i], v)
			if err != nil {
				panic(err)
			}
			b.AppendValue(w)
		}
	}
	return b
}

func ExampleJSONLines() {
	ctx := context.Background()
	s := sink.NewJSONLines(os.Stdout) // the caller owns os.Stdout
	defer s.Close(ctx)
	if err := s.Write(ctx, users()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"id":"5bd8c6e0-e73a-11ee-8000-000000000001","name":"Ada, \"the first\"","joined":"2026-01-01T12:00:00.123Z","score":1.250,"tags":{"admin":1}}
	// {"id":"5bd8c6e0-e73a-11ee-8000-000000000002","name":"","joined":null,"score":-0.5,"tags":null}
}

func ExampleCSV() {
	ctx := context.Background()
	s, err := sink.NewCSV(os.Stdout, sink.CSVConfig{Null: "NULL"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close(ctx)
	if err := s.Write(ctx, users()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// id,name,joined,score,tags
	// 5bd8c6e0-e73a-11ee-8000-000000000001,"Ada, ""the first""",2026-01-01T12:00:00.123Z,1.250,"{""admin"":1}"
	// 5bd8c6e0-e73a-11ee-8000-000000000002,"",NULL,-0.5,NULL
}

func ExampleCount() {
	ctx := context.Background()
	var c sink.Count // ready to use; read it from any goroutine
	b := users()
	b.RangeID, b.Host = 42, "10.0.0.1"
	if err := c.Write(ctx, b); err != nil {
		fmt.Println(err)
	}
	_ = c.Close(ctx)
	fmt.Println(c.Rows(), "rows,", c.Bytes(), "bytes")
	fmt.Printf("%+v\n", c.Ranges()[42])
	// Output:
	// 2 rows, 88 bytes
	// {Rows:2 Bytes:88 Pages:1}
}

func ExampleSinkFunc() {
	ctx := context.Background()
	var s sink.Sink = sink.SinkFunc(func(ctx context.Context, b *sink.Batch) error {
		for row := range b.Len() {
			name, err := b.Decode(row, 1)
			if err != nil {
				return err
			}
			fmt.Printf("%q\n", name)
		}
		return nil
	})
	if err := s.Write(ctx, users()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// "Ada, \"the first\""
	// ""
}
