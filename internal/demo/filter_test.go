package demo

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestMatchFilter(t *testing.T) {
	doc := orderDoc(order{ID: 1004, OwnerID: 2, Status: "paid", TotalCents: 19900,
		ShippingAddress: "22 Elm Rd", CreatedAt: "2025-01-21T11:00:00Z"})
	tests := []struct {
		name    string
		filter  string
		want    bool
		wantErr bool
	}{
		{"empty filter", `{}`, true, false},
		{"implicit equality", `{"status": "paid"}`, true, false},
		{"implicit equality, other value", `{"status": "shipped"}`, false, false},
		{"$eq number", `{"owner_id": {"$eq": 2}}`, true, false},
		{"$ne null", `{"status": {"$ne": null}}`, true, false},
		{"$ne value", `{"status": {"$ne": "paid"}}`, false, false},
		{"missing field equals null", `{"coupon": null}`, true, false},
		{"$gt number", `{"total_cents": {"$gt": 10000}}`, true, false},
		{"$lt number", `{"total_cents": {"$lt": 10000}}`, false, false},
		{"$gt string", `{"created_at": {"$gt": "2025-01-01"}}`, true, false},
		{"$gt mixed kinds", `{"total_cents": {"$gt": "a"}}`, false, false},
		{"$gt and $lt together", `{"id": {"$gt": 1000, "$lt": 1005}}`, true, false},
		{"$in", `{"status": {"$in": ["paid", "shipped"]}}`, true, false},
		{"$in without match", `{"status": {"$in": ["cancelled"]}}`, false, false},
		{"$regex", `{"shipping_address": {"$regex": "^22 "}}`, true, false},
		{"$regex on a number", `{"owner_id": {"$regex": "2"}}`, false, false},
		{"several fields, all must match", `{"status": "paid", "owner_id": 1}`, false, false},
		{"unknown operator", `{"status": {"$where": "1"}}`, false, true},
		{"top-level operator", `{"$or": []}`, false, true},
		{"$in needs an array", `{"status": {"$in": "paid"}}`, false, true},
		{"bad regex", `{"status": {"$regex": "("}}`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var filter map[string]any
			if err := json.Unmarshal([]byte(tt.filter), &filter); err != nil {
				t.Fatal(err)
			}
			got, err := matchFilter(filter, doc)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchFilterNamesUnknownOperator(t *testing.T) {
	_, err := matchFilter(map[string]any{"status": map[string]any{"$where": "1"}}, map[string]any{})
	if !errors.Is(err, errOperator) {
		t.Errorf("err = %v, want errOperator", err)
	}
}
