package store_test

import (
	"testing"

	"baobei/store/storetest"
)

func TestContract(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { storetest.Run(t, b) })
	}
}
