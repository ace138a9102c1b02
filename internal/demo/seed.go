package demo

// The seed data. Every secret in it is fake: the hashes are not hashes of
// anything, the card numbers are the card networks' published test numbers
// and the SSNs are well-known specimen numbers. Each user's password is
// "<username>-password".

var seedUsers = []user{
	{ID: 1, Username: "alice", Role: "user",
		PasswordHash: "$2b$12$C6UzMDM.H6dfI/f/IKxGhuN1xbZVW5nGkPfHcXHXhOn1Jx5mI7kGy",
		Email:        "alice@example.com", Phone: "+1-202-555-0101",
		InternalNotes: "VIP customer; refunds approved without review",
		CardNumber:    "4111111111111111", SSN: "078-05-1120"},
	{ID: 2, Username: "bob", Role: "user",
		PasswordHash: "$2b$12$Kq3B0Zr9eXgT7uYwP1aLdOe4mN8sVhC2jF6iQ5tRbW0xYz3AkLpDu",
		Email:        "bob@example.com", Phone: "+1-202-555-0102",
		InternalNotes: "chargeback in March; watch for fraud",
		CardNumber:    "5555555555554444", SSN: "219-09-9999"},
	{ID: 3, Username: "admin", Role: "admin", IsAdmin: true,
		PasswordHash: "$2b$12$Zx8Yw7Vu6Ts5Rq4Po3NmLeK2Ji1Hg0FeDcBa9ZyXwVuTsRqPoNmLk",
		Email:        "admin@example.com", Phone: "+1-202-555-0100",
		InternalNotes: "break-glass account; shares its password with ops",
		CardNumber:    "378282246310005", SSN: "123-45-6789"},
}

var seedProducts = []product{
	{ID: 1, Name: "Mechanical Keyboard", Description: "Tenkeyless, brown switches", Category: "peripherals", PriceCents: 8900, Stock: 25},
	{ID: 2, Name: "Wireless Mouse", Description: "Two buttons and a wheel", Category: "peripherals", PriceCents: 2900, Stock: 80},
	{ID: 3, Name: "USB-C Hub", Description: "Seven ports, one cable", Category: "accessories", PriceCents: 3900, Stock: 40},
	{ID: 4, Name: "27-inch Monitor", Description: "1440p, matte screen", Category: "displays", PriceCents: 27900, Stock: 12},
	{ID: 5, Name: "Laptop Stand", Description: "Aluminium, foldable", Category: "accessories", PriceCents: 3400, Stock: 60},
	{ID: 6, Name: "Headphones", Description: "Noise-cancelling, over-ear", Category: "audio", PriceCents: 19900, Stock: 18},
	{ID: 7, Name: "Webcam", Description: "1080p with a privacy shutter", Category: "peripherals", PriceCents: 5900, Stock: 30},
	{ID: 8, Name: "Desk Lamp", Description: "Warm LED, dimmable", Category: "office", PriceCents: 2500, Stock: 50},
	{ID: 9, Name: "Office Chair", Description: "Mesh back, adjustable arms", Category: "office", PriceCents: 24900, Stock: 7},
	{ID: 10, Name: "Coffee Mug", Description: "Holds 350 ml of focus", Category: "office", PriceCents: 1200, Stock: 200},
}

// seedOrders returns each user's orders, numbered from 1001. Totals follow
// from the prices above.
func seedOrders() []order {
	orders := []order{
		{ID: 1001, OwnerID: 1, Status: "delivered", Items: []orderItem{{ProductID: 1, Qty: 1}, {ProductID: 10, Qty: 2}},
			ShippingAddress: "1 Main St, Springfield", CreatedAt: "2025-01-10T09:15:00Z"},
		{ID: 1002, OwnerID: 1, Status: "shipped", Items: []orderItem{{ProductID: 4, Qty: 1}},
			ShippingAddress: "1 Main St, Springfield", CreatedAt: "2025-02-02T14:30:00Z"},
		{ID: 1003, OwnerID: 1, Status: "pending", Items: []orderItem{{ProductID: 8, Qty: 1}},
			ShippingAddress: "1 Main St, Springfield", CreatedAt: "2025-03-05T18:45:00Z"},
		{ID: 1004, OwnerID: 2, Status: "paid", Items: []orderItem{{ProductID: 6, Qty: 1}},
			ShippingAddress: "22 Elm Rd, Shelbyville", CreatedAt: "2025-01-21T11:00:00Z"},
		{ID: 1005, OwnerID: 2, Status: "delivered", Items: []orderItem{{ProductID: 2, Qty: 1}, {ProductID: 5, Qty: 1}},
			ShippingAddress: "22 Elm Rd, Shelbyville", CreatedAt: "2025-02-14T08:20:00Z"},
		{ID: 1006, OwnerID: 3, Status: "paid", Items: []orderItem{{ProductID: 9, Qty: 2}},
			ShippingAddress: "HQ, 100 Server Ave", CreatedAt: "2025-02-28T16:05:00Z"},
		{ID: 1007, OwnerID: 3, Status: "cancelled", Items: []orderItem{{ProductID: 3, Qty: 3}},
			ShippingAddress: "HQ, 100 Server Ave", CreatedAt: "2025-03-12T10:10:00Z"},
	}
	prices := make(map[int64]int64, len(seedProducts))
	for _, p := range seedProducts {
		prices[p.ID] = p.PriceCents
	}
	for i := range orders {
		o := &orders[i]
		for j := range o.Items {
			o.Items[j].PriceCents = prices[o.Items[j].ProductID]
			o.TotalCents += o.Items[j].PriceCents * o.Items[j].Qty
		}
	}
	return orders
}
