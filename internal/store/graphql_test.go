package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func opHash(q string) string {
	s := sha256.Sum256([]byte(q))
	return hex.EncodeToString(s[:])
}

// Learned operations are kept once, registered ones run in allow mode, and
// promoting a learned operation keeps its text; on both backends.
func TestGraphQLOperations(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := storetest.Open(t, b.dsn(t))
			ctx := context.Background()
			q := "query Me { me { id } }"
			learned := store.GraphQLOperation{API: "shop", Route: "POST /graphql", Hash: opHash(q), Query: q, OperationName: "Me"}
			for range 2 { // the second is a no-op
				if err := s.LearnGraphQLOperation(ctx, learned); err != nil {
					t.Fatal(err)
				}
			}
			bare := store.GraphQLOperation{API: "shop", Route: "POST /graphql", Hash: opHash("{ x }")}
			if _, err := s.RegisterGraphQLOperation(ctx, bare); err != nil {
				t.Fatal(err)
			}
			all, err := s.GraphQLOperations(ctx, store.GraphQLOperationFilter{API: "shop"})
			if err != nil || len(all) != 2 {
				t.Fatalf("list: %v %v", all, err)
			}
			reg, _ := s.GraphQLOperations(ctx, store.GraphQLOperationFilter{API: "shop", Route: "POST /graphql", Status: store.GraphQLRegistered})
			if len(reg) != 1 || reg[0].Hash != bare.Hash || reg[0].RegisteredAt.IsZero() {
				t.Fatalf("registered: %+v", reg)
			}
			// Promote the learned one by hash alone: its text and name stay.
			got, err := s.RegisterGraphQLOperation(ctx, store.GraphQLOperation{API: "shop", Route: "POST /graphql", Hash: learned.Hash})
			if err != nil || got.Status != store.GraphQLRegistered || got.Query != q || got.OperationName != "Me" || got.FirstSeen.IsZero() {
				t.Fatalf("promoted: %+v %v", got, err)
			}
			// Learning it again leaves it registered.
			_ = s.LearnGraphQLOperation(ctx, learned)
			if reg, _ := s.GraphQLOperations(ctx, store.GraphQLOperationFilter{Status: store.GraphQLRegistered}); len(reg) != 2 {
				t.Fatalf("after relearning: %+v", reg)
			}
			if err := s.DeleteGraphQLOperation(ctx, "shop", "POST /graphql", bare.Hash); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteGraphQLOperation(ctx, "shop", "POST /graphql", bare.Hash); !errors.Is(err, store.ErrGraphQLOperationNotFound) {
				t.Fatalf("second delete: %v", err)
			}
			for _, bad := range []store.GraphQLOperation{
				{API: "shop", Route: "r", Hash: opHash("{ a }"), Query: "{ b }"}, // hash of another text
				{API: "shop", Route: "r", Hash: "ABC"},
				{API: "", Route: "r", Hash: bare.Hash},
				{API: "shop", Route: "r", Hash: opHash("{ a\x00 }"), Query: "{ a\x00 }"},
			} {
				if _, err := s.RegisterGraphQLOperation(ctx, bad); !errors.Is(err, store.ErrInvalidGraphQLOperation) {
					t.Errorf("%+v: %v", bad, err)
				}
			}
		})
	}
}
