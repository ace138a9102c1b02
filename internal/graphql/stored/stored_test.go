package stored

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func hash(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

// drain waits for every store write learning mode has in flight.
func drain() {
	for range cap(writes) {
		writes <- struct{}{}
	}
	for range cap(writes) {
		<-writes
	}
}

func TestLearnThenLoad(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.SQLiteDSN(t))
	r := Route{API: "shop", Name: "graphql", Store: st}

	learned := "{ me { id } }"
	r.Learner(true)(hash(learned), "Me", learned)
	Route{API: "shop", Name: "other", Store: st}.Learner(false)(hash("{ x }"), "", "{ x }") // logged only
	drain()
	ops, err := st.GraphQLOperations(ctx, store.GraphQLOperationFilter{API: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 || ops[0].Route != "graphql" || ops[0].Hash != hash(learned) || ops[0].Query != learned ||
		ops[0].OperationName != "Me" || ops[0].Status == store.GraphQLRegistered {
		t.Fatalf("stored %+v", ops)
	}

	// Registered operations run in allow mode once loaded; learned ones do not.
	registered := "{ me { name } }"
	if _, err := st.RegisterGraphQLOperation(ctx, store.GraphQLOperation{API: "shop", Route: "graphql",
		Hash: hash(registered), Query: registered}); err != nil {
		t.Fatal(err)
	}
	g, err := graphql.New(graphql.Options{Schema: "type Query { me: User } type User { id: ID! name: String! }", SchemaName: "s",
		Persisted: graphql.Persisted{Mode: graphql.PersistedAllow, Store: true}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(q string) *graphql.Refusal {
		_, ref := g.Check(&graphql.Request{Method: "POST", ContentType: "application/graphql", Body: []byte(q)}, graphql.Caller{})
		return ref
	}
	if check(registered) == nil {
		t.Fatal("admitted before the store was loaded")
	}
	if err := r.Load(ctx, g); err != nil {
		t.Fatal(err)
	}
	if ref := check(registered); ref != nil {
		t.Fatalf("registered operation refused: %v", ref)
	}
	if ref := check(learned); ref == nil || ref.Code != "graphql_operation_not_registered" {
		t.Fatalf("learned, unregistered operation: %v", ref)
	}
}
