package partitioner_test

import (
	"encoding/binary"
	"fmt"

	"github.com/ringscan/ringscan/internal/partitioner"
)

func ExampleMurmur3Token() {
	// PRIMARY KEY (id) with id int = 1: the key is the 4-byte value.
	key := binary.BigEndian.AppendUint32(nil, 1)
	fmt.Println(partitioner.Murmur3Token(key))
	// Output: -4069959284402364209
}

func ExampleCompositeKey() {
	// PRIMARY KEY ((id, name)) with id int = 1 and name text = 'a'.
	key := partitioner.CompositeKey([][]byte{
		binary.BigEndian.AppendUint32(nil, 1),
		[]byte("a"),
	})
	fmt.Printf("%x\n", key)
	fmt.Println(partitioner.Murmur3Token(key))
	// Output:
	// 0004000000010000016100
	// 6516349416904725244
}

func ExampleSplitCompositeKey() {
	key := partitioner.CompositeKey([][]byte{[]byte("a"), []byte("b")})
	parts, err := partitioner.SplitCompositeKey(key, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", parts)

	_, err = partitioner.SplitCompositeKey(key, 3)
	fmt.Println(err)
	// Output:
	// ["a" "b"]
	// malformed composite partition key: 8 bytes cannot hold 3 components
}

func ExampleRandomToken() {
	fmt.Println(partitioner.RandomToken([]byte("test")))
	// Output: 12707736894140473154801792860916528374
}
