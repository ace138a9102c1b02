package demo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// eventCount is how many events one GET /events stream carries.
const eventCount = 5

// orderEvent is the data of one server-sent event.
type orderEvent struct {
	Seq     int    `json:"seq"`
	OrderID int64  `json:"order_id"`
	Status  string `json:"status"`
}

// events answers GET /events with a server-sent event stream: eventCount
// order updates, s.eventInterval apart, each flushed at once. It stops early
// when the client goes away.
func (s *Shop) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	statuses := []string{"pending", "paid", "packed", "shipped", "delivered"}
	ticker := time.NewTicker(s.eventInterval)
	defer ticker.Stop()
	for i := range eventCount {
		if i > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-ticker.C:
			}
		}
		data, _ := json.Marshal(orderEvent{Seq: i + 1, OrderID: 1001, Status: statuses[i%len(statuses)]})
		if _, err := fmt.Fprintf(w, "id: %d\nevent: order-update\ndata: %s\n\n", i+1, data); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
