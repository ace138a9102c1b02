package deps
import (
 _ "gopkg.in/yaml.v3"
 _ "modernc.org/sqlite"
 _ "github.com/jackc/pgx/v5/stdlib"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "github.com/gorilla/websocket"
 _ "golang.org/x/net/http2"
)
