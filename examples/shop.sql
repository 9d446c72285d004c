-- A small shop database for the README quick start (built by `node examples/build-example.js`).
-- It has the things SQLite applications really store: JSON in TEXT, dates as TEXT and as epoch
-- integers, a 0/1 boolean, a BLOB, foreign keys, a composite key and a partial index.
PRAGMA foreign_keys = ON;

CREATE TABLE customers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,  -- 'YYYY-MM-DD HH:MM:SS', UTC
  is_active INTEGER NOT NULL DEFAULT 1,                -- 0/1
  settings TEXT                                        -- JSON
);

CREATE TABLE products (
  sku TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  price NUMERIC(10,2) NOT NULL CHECK (price >= 0),
  image BLOB,
  attributes TEXT                                      -- JSON
);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  placed_at INTEGER NOT NULL,                          -- epoch seconds
  updated_ms INTEGER,                                  -- epoch milliseconds
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid', 'shipped', 'delivered')),
  note TEXT
);
CREATE INDEX orders_open ON orders(status) WHERE status <> 'delivered';
CREATE INDEX orders_customer ON orders(customer_id);

CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  sku TEXT NOT NULL REFERENCES products(sku),
  qty INTEGER NOT NULL CHECK (qty > 0),
  unit_price REAL NOT NULL,
  PRIMARY KEY (order_id, sku)
) WITHOUT ROWID;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO customers (email, name, created_at, is_active, settings)
SELECT 'customer' || i || '@example.com',
       CASE i % 5 WHEN 0 THEN 'Zoë Ångström ' || i WHEN 1 THEN 'O''Brien ' || i ELSE 'Customer ' || i END,
       datetime(1672531200 + i * 86317, 'unixepoch'),
       CASE WHEN i % 7 = 0 THEN 0 ELSE 1 END,
       CASE WHEN i % 4 = 0 THEN NULL
            ELSE json_object('theme', CASE i % 2 WHEN 0 THEN 'dark' ELSE 'light' END,
                             'newsletter', json(CASE i % 3 WHEN 0 THEN 'true' ELSE 'false' END),
                             'tags', json_array('t' || (i % 10), 'vip'),
                             'limits', json_object('daily', i * 1.5))
       END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
INSERT INTO products (sku, title, price, image, attributes)
SELECT printf('SKU-%04d', i),
       'Product ' || i || CASE WHEN i % 9 = 0 THEN ' "deluxe"' ELSE '' END,
       round((i * 37 % 1000) / 10.0 + 0.99, 2),
       CASE WHEN i % 3 = 0 THEN CAST(x'89504e470d0a1a0a' || printf('%0*d', 64 + i, i) AS BLOB) ELSE NULL END,
       json_object('color', CASE i % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'green' ELSE 'blue' END, 'weight_g', i * 10)
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO orders (id, customer_id, placed_at, updated_ms, status, note)
SELECT i,
       1 + (i * 7919) % 500,
       1672531200 + i * 15731,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (1672531200 + i * 15731 + 3600) * 1000 + i % 1000 END,
       CASE i % 4 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' ELSE 'delivered' END,
       CASE WHEN i % 50 = 0 THEN 'leave at the door' || char(9) || 'ring twice' || char(10) || 'C:\back\door'
            WHEN i % 13 = 0 THEN ''
            ELSE NULL END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
INSERT OR IGNORE INTO order_items (order_id, sku, qty, unit_price)
SELECT 1 + (i - 1) / 3,
       printf('SKU-%04d', 1 + (i * 31) % 120),
       1 + i % 4,
       (SELECT price FROM products WHERE sku = printf('SKU-%04d', 1 + (i * 31) % 120))
FROM n;
