package cqltype_test

import (
	"fmt"

	"github.com/ringscan/ringscan/internal/cqltype"
)

func ExampleParse() {
	t, err := cqltype.Parse("MAP<varchar, frozen<list<int>>>")
	if err != nil {
		panic(err)
	}
	fmt.Println(t)
	fmt.Printf("% x\n", t.AppendOption(nil))
	_, err = cqltype.Parse("foo")
	fmt.Println(err)
	// Output:
	// map<text, frozen<list<int>>>
	// 00 21 00 0d 00 20 00 09
	// unknown type "foo": not a CQL type
}

func ExampleEncode() {
	t, _ := cqltype.Parse("set<int>")
	b, _ := cqltype.Encode(t, []int{3, 1, 3})
	fmt.Printf("% x\n", b)
	v, _ := cqltype.Decode(t, b)
	fmt.Println(v)
	// Output:
	// 00 00 00 02 00 00 00 04 00 00 00 01 00 00 00 04 00 00 00 03
	// [1 3]
}

func ExampleCompare() {
	t := cqltype.Native(cqltype.Varint)
	a, _ := cqltype.FromString(t, "-129")
	b, _ := cqltype.FromString(t, "5")
	fmt.Println(cqltype.Compare(t, a, b))
	// Output: -1
}

func ExampleValidate() {
	err := cqltype.Validate(cqltype.Native(cqltype.Int), []byte{0, 0, 1})
	fmt.Println(err)
	// Output: Expected 4 or 0 byte int (3)
}

func ExampleFromString() {
	t := cqltype.Native(cqltype.KindDecimal)
	b, _ := cqltype.FromString(t, "1.25")
	v, _ := cqltype.Decode(t, b)
	fmt.Println(v)
	_, err := cqltype.FromString(cqltype.Native(cqltype.Int), "99999999999")
	fmt.Println(err)
	// Output:
	// 1.25
	// Unable to make int from '99999999999'
}
