import { describe, expect, test } from 'vitest';
import type { TargetKind } from '../../../src/plan/sqlite-sql/target-kind.js';
import { listViewDependencies, translateView, type ViewContext, type ViewTable } from '../../../src/plan/sqlite-sql/translate-view.js';

/** A table whose columns keep their names; `kinds` gives some of them a value family. */
function same(target: string, columns: string[], kinds: Record<string, TargetKind> = {}): ViewTable {
  return { target, columns: new Map(columns.map((c) => [c, c])), columnKinds: new Map(Object.entries(kinds)) };
}

function sql(view: string, ctx: ViewContext): string {
  const r = translateView(view, ctx);
  if (!r.ok) throw new Error(`untranslatable: ${r.reason}`);
  return r.sql;
}

function reason(view: string, ctx: ViewContext): string {
  const r = translateView(view, ctx);
  if (r.ok) throw new Error(`translated to ${r.sql}`);
  return r.reason;
}

// Sakila (sakila.db), the tables the views read; customer.active is CHAR(1) holding '0'/'1'.
const sakila: ViewContext = {
  schema: 'public',
  tables: new Map([
    ['customer', same('customer', ['customer_id', 'store_id', 'first_name', 'last_name', 'address_id', 'active'], { active: 'text', customer_id: 'integer' })],
    ['address', same('address', ['address_id', 'address', 'postal_code', 'phone', 'city_id'])],
    ['city', same('city', ['city_id', 'city', 'country_id'])],
    ['country', same('country', ['country_id', 'country'])],
    ['payment', same('payment', ['payment_id', 'rental_id', 'amount'])],
    ['rental', same('rental', ['rental_id', 'inventory_id'])],
    ['inventory', same('inventory', ['inventory_id', 'store_id', 'film_id'])],
    ['store', same('store', ['store_id', 'address_id', 'manager_staff_id'])],
    ['staff', same('staff', ['staff_id', 'first_name', 'last_name'])],
  ]),
};

// Verbatim from sakila.db.
const CUSTOMER_LIST = `CREATE VIEW customer_list
AS
SELECT cu.customer_id AS ID,
       cu.first_name||' '||cu.last_name AS name,
       a.address AS address,
       a.postal_code AS zip_code,
       a.phone AS phone,
       city.city AS city,
       country.country AS country,
       case when cu.active=1 then 'active' else '' end AS notes,
       cu.store_id AS SID
FROM customer AS cu JOIN address AS a ON cu.address_id = a.address_id JOIN city ON a.city_id = city.city_id
    JOIN country ON city.country_id = country.country_id`;

const SALES_BY_STORE = `CREATE VIEW sales_by_store
AS
SELECT
  s.store_id
 ,c.city||','||cy.country AS store
 ,m.first_name||' '||m.last_name AS manager
 ,SUM(p.amount) AS total_sales
FROM payment AS p
INNER JOIN rental AS r ON p.rental_id = r.rental_id
INNER JOIN inventory AS i ON r.inventory_id = i.inventory_id
INNER JOIN store AS s ON i.store_id = s.store_id
INNER JOIN address AS a ON s.address_id = a.address_id
INNER JOIN city AS c ON a.city_id = c.city_id
INNER JOIN country AS cy ON c.country_id = cy.country_id
INNER JOIN staff AS m ON s.manager_staff_id = m.staff_id
GROUP BY  
  s.store_id
, c.city||','||cy.country
, m.first_name||' '||m.last_name`;

describe('translateView: Sakila', () => {
  test('customer_list: aliases resolved, keywords upper-cased, CHAR(1) compared with text as SQLite does', () => {
    expect(translateView(CUSTOMER_LIST, sakila)).toEqual({
      ok: true,
      sql: `SELECT "cu"."customer_id" AS "ID",
       "cu"."first_name"||' '||"cu"."last_name" AS "name",
       "a"."address" AS "address",
       "a"."postal_code" AS "zip_code",
       "a"."phone" AS "phone",
       "city"."city" AS "city",
       "country"."country" AS "country",
       CASE WHEN "cu"."active"='1' THEN 'active' ELSE '' END AS "notes",
       "cu"."store_id" AS "SID"
FROM "public"."customer" AS "cu" JOIN "public"."address" AS "a" ON "cu"."address_id" = "a"."address_id" JOIN "public"."city" ON "a"."city_id" = "city"."city_id"
    JOIN "public"."country" ON "city"."country_id" = "country"."country_id"`,
      notes: [],
    });
  });

  test('customer_list with renamed tables and columns: every reference follows', () => {
    const renamed: ViewContext = {
      tables: new Map([
        ['customer', { target: 'customers', columns: new Map([['customer_id', 'id'], ['first_name', 'first'], ['last_name', 'last'], ['address_id', 'address_ref'], ['active', 'is_active'], ['store_id', 'store']]), columnKinds: new Map([['active', 'boolean']]) }],
        ['address', { target: 'addresses', columns: new Map([['address_id', 'id'], ['address', 'line1'], ['postal_code', 'zip'], ['phone', 'phone'], ['city_id', 'city_ref']]) }],
        ['city', { target: 'cities', columns: new Map([['city_id', 'id'], ['city', 'name'], ['country_id', 'country_ref']]) }],
        ['country', { target: 'countries', columns: new Map([['country_id', 'id'], ['country', 'name']]) }],
      ]),
    };
    expect(sql(CUSTOMER_LIST, renamed)).toBe(`SELECT "cu"."id" AS "ID",
       "cu"."first"||' '||"cu"."last" AS "name",
       "a"."line1" AS "address",
       "a"."zip" AS "zip_code",
       "a"."phone" AS "phone",
       "cities"."name" AS "city",
       "countries"."name" AS "country",
       CASE WHEN "cu"."is_active"=TRUE THEN 'active' ELSE '' END AS "notes",
       "cu"."store" AS "SID"
FROM "customers" AS "cu" JOIN "addresses" AS "a" ON "cu"."address_ref" = "a"."id" JOIN "cities" ON "a"."city_ref" = "cities"."id"
    JOIN "countries" ON "cities"."country_ref" = "countries"."id"`);
  });

  test('sales_by_store: aggregate names lower-cased, layout kept', () => {
    expect(sql(SALES_BY_STORE, sakila)).toBe(`SELECT
  "s"."store_id"
 ,"c"."city"||','||"cy"."country" AS "store"
 ,"m"."first_name"||' '||"m"."last_name" AS "manager"
 ,sum("p"."amount") AS "total_sales"
FROM "public"."payment" AS "p"
INNER JOIN "public"."rental" AS "r" ON "p"."rental_id" = "r"."rental_id"
INNER JOIN "public"."inventory" AS "i" ON "r"."inventory_id" = "i"."inventory_id"
INNER JOIN "public"."store" AS "s" ON "i"."store_id" = "s"."store_id"
INNER JOIN "public"."address" AS "a" ON "s"."address_id" = "a"."address_id"
INNER JOIN "public"."city" AS "c" ON "a"."city_id" = "c"."city_id"
INNER JOIN "public"."country" AS "cy" ON "c"."country_id" = "cy"."country_id"
INNER JOIN "public"."staff" AS "m" ON "s"."manager_staff_id" = "m"."staff_id"
GROUP BY  
  "s"."store_id"
, "c"."city"||','||"cy"."country"
, "m"."first_name"||' '||"m"."last_name"`);
  });
});

// Northwind (northwind.db): table and view names with spaces, TEXT "booleans".
const northwind: ViewContext = {
  schema: 'nw',
  tables: new Map([
    ['Categories', same('Categories', ['CategoryID', 'CategoryName', 'Description'])],
    ['Products', same('Products', ['ProductID', 'ProductName', 'SupplierID', 'CategoryID', 'UnitPrice', 'Discontinued'], { Discontinued: 'text', UnitPrice: 'numeric' })],
    ['Suppliers', same('Suppliers', ['SupplierID', 'CompanyName', 'ContactName', 'City', 'Region'])],
    ['Customers', same('Customers', ['CustomerID', 'CompanyName', 'ContactName', 'City'])],
    ['Orders', same('Orders', ['OrderID', 'CustomerID', 'OrderDate', 'ShippedDate'])],
    ['Order Details', same('Order Details', ['OrderID', 'ProductID', 'UnitPrice', 'Quantity', 'Discount'])],
    ['Order Subtotals', same('Order Subtotals', ['OrderID', 'Subtotal'])],
  ]),
};

describe('translateView: Northwind', () => {
  test('Alphabetical list of products: t.*, nested parentheses, a TEXT flag compared with 0', () => {
    const view = `CREATE VIEW [Alphabetical list of products] 
AS
SELECT Products.*, 
       Categories.CategoryName
FROM Categories 
   INNER JOIN Products ON Categories.CategoryID = Products.CategoryID
WHERE (((Products.Discontinued)=0))`;
    expect(sql(view, northwind)).toBe(`SELECT "Products".*, 
       "Categories"."CategoryName"
FROM "nw"."Categories" 
   INNER JOIN "nw"."Products" ON "Categories"."CategoryID" = "Products"."CategoryID"
WHERE ((("Products"."Discontinued")='0'))`);
  });

  test('Customer and Suppliers by City: UNION, unqualified names per SELECT, NULLs sorted first as in SQLite', () => {
    const view = `CREATE VIEW [Customer and Suppliers by City] 
AS
SELECT City, 
       CompanyName, 
       ContactName, 
       'Customers' AS Relationship 
FROM Customers
UNION 
SELECT City, 
       CompanyName, 
       ContactName, 
       'Suppliers'
FROM Suppliers 
ORDER BY City, CompanyName`;
    expect(sql(view, northwind)).toBe(`SELECT "City", 
       "CompanyName", 
       "ContactName", 
       'Customers' AS "Relationship" 
FROM "nw"."Customers"
UNION 
SELECT "City", 
       "CompanyName", 
       "ContactName", 
       'Suppliers'
FROM "nw"."Suppliers" 
ORDER BY "City" NULLS FIRST, "CompanyName" NULLS FIRST`);
  });

  test('Order Subtotals: a bracketed table name as qualifier', () => {
    const view = `CREATE VIEW [Order Subtotals] AS
SELECT [Order Details].OrderID, 
Sum(([Order Details].UnitPrice*Quantity*(1-Discount)/100)*100) AS Subtotal
FROM [Order Details]
GROUP BY [Order Details].OrderID`;
    expect(sql(view, northwind)).toBe(`SELECT "Order Details"."OrderID", 
sum(("Order Details"."UnitPrice"*"Quantity"*(1-"Discount")/100)*100) AS "Subtotal"
FROM "nw"."Order Details"
GROUP BY "Order Details"."OrderID"`);
  });

  test('Quarterly Orders: DATETIME() of a constant is computed, with a note', () => {
    const view = `CREATE VIEW [Quarterly Orders] AS
SELECT DISTINCT Customers.CustomerID
FROM Customers 
     JOIN Orders ON Customers.CustomerID = Orders.CustomerID
WHERE Orders.OrderDate BETWEEN DATETIME('1997-01-01') And DATETIME('1997-12-31')`;
    expect(translateView(view, northwind)).toEqual({
      ok: true,
      sql: `SELECT DISTINCT "Customers"."CustomerID"
FROM "nw"."Customers" 
     JOIN "nw"."Orders" ON "Customers"."CustomerID" = "Orders"."CustomerID"
WHERE "Orders"."OrderDate" BETWEEN '1997-01-01 00:00:00' AND '1997-12-31 00:00:00'`,
      notes: ["datetime('1997-01-01') was computed to the constant '1997-01-01 00:00:00'", "datetime('1997-12-31') was computed to the constant '1997-12-31 00:00:00'"],
    });
  });

  test('Products Above Average Price: a scalar subquery', () => {
    const view = `CREATE VIEW [Products Above Average Price] AS
SELECT Products.ProductName, 
       Products.UnitPrice
FROM Products
WHERE Products.UnitPrice>(SELECT AVG(UnitPrice) From Products)`;
    expect(sql(view, northwind)).toBe(`SELECT "Products"."ProductName", 
       "Products"."UnitPrice"
FROM "nw"."Products"
WHERE "Products"."UnitPrice">(SELECT avg("UnitPrice") FROM "nw"."Products")`);
  });

  test('ProductDetails_V: implicit aliases, bracketed aliases, names in another case than declared', () => {
    const view = `CREATE VIEW [ProductDetails_V] as
select 
p.*, 
c.CategoryName, c.Description as [CategoryDescription],
s.CompanyName as [SupplierName], s.Region as [SupplierRegion]
from [Products] p
join [Categories] c on p.CategoryId = c.CategoryId
join [Suppliers] s on s.SupplierId = p.SupplierId`;
    expect(sql(view, northwind)).toBe(`SELECT 
"p".*, 
"c"."CategoryName", "c"."Description" AS "CategoryDescription",
"s"."CompanyName" AS "SupplierName", "s"."Region" AS "SupplierRegion"
FROM "nw"."Products" "p"
JOIN "nw"."Categories" "c" ON "p"."CategoryID" = "c"."CategoryID"
JOIN "nw"."Suppliers" "s" ON "s"."SupplierID" = "p"."SupplierID"`);
  });

  test("Invoices concatenates with + (always 0 in SQLite): refused", () => {
    const view = `CREATE VIEW [Invoices] 
AS
SELECT (Employees.FirstName + ' ' + Employees.LastName) AS Salesperson
FROM Employees`;
    expect(reason(view, northwind)).toBe("arithmetic + on the text ' ': SQLite turns it into 0 (+ is not concatenation), PostgreSQL rejects it");
  });

  test('a view on another view: a relation given by name only is kept, and dependencies are listed', () => {
    const view = `CREATE VIEW [Sales Totals by Amount] AS
SELECT [Order Subtotals].Subtotal AS SaleAmount, Orders.OrderID
FROM Customers 
 JOIN Orders ON Customers.CustomerID = Orders.CustomerID
    JOIN [Order Subtotals] ON Orders.OrderID = [Order Subtotals].OrderID 
WHERE ([Order Subtotals].Subtotal >2500)`;
    expect(sql(view, northwind)).toBe(`SELECT "Order Subtotals"."Subtotal" AS "SaleAmount", "Orders"."OrderID"
FROM "nw"."Customers" 
 JOIN "nw"."Orders" ON "Customers"."CustomerID" = "Orders"."CustomerID"
    JOIN "nw"."Order Subtotals" ON "Orders"."OrderID" = "Order Subtotals"."OrderID" 
WHERE ("Order Subtotals"."Subtotal" >2500)`);
    expect(listViewDependencies(view)).toEqual(['Customers', 'Orders', 'Order Subtotals']);
  });
});

describe('translateView: SQLite specifics', () => {
  const ctx: ViewContext = {
    schema: 'app',
    tables: new Map([
      ['t', { target: 'things', columns: new Map([['id', 'thing_id'], ['Name', 'name'], ['a"b', 'quote"d'], ['select', 'select'], ['n', 'n']]) }],
      ['Order Details', same('order_details', ['OrderID'])],
      ['Ünïcode', same('ünïcode', ['wert'])],
    ]),
  };

  test('unaliased expression columns keep the name SQLite gives them', () => {
    expect(sql('CREATE VIEW v AS SELECT id, count(*), n + 1, t.name, 42 FROM t', ctx)).toBe(
      'SELECT "thing_id", count(*) AS "count(*)", "n" + 1 AS "n + 1", "things"."name", 42 AS "42" FROM "app"."things"',
    );
  });

  test('an explicit view column list renames through a derived table', () => {
    expect(sql('CREATE VIEW v(a, "B") AS SELECT id, name FROM t', ctx)).toBe('SELECT * FROM (\nSELECT "thing_id", "name" FROM "app"."things"\n) AS "v"("a", "B")');
  });

  test('hostile names: keywords, quotes, spaces, unicode, schema prefixes', () => {
    expect(sql('CREATE VIEW "my view" AS SELECT "select", [a"b], `Order Details`.OrderID, w.WERT FROM main.t, [Order Details], Ünïcode AS w', ctx)).toBe(
      'SELECT "select", "quote""d", "order_details"."OrderID", "w"."wert" FROM "app"."things", "app"."order_details", "app"."ünïcode" AS "w"',
    );
  });

  test('double-quoted strings: a literal when no column has that name, an identifier when one does', () => {
    const r = translateView('CREATE VIEW v AS SELECT "Name", "nobody" FROM t WHERE "Name" <> "x"', ctx);
    expect(r).toEqual({
      ok: true,
      // SQLite names that column "nobody" with its quotes, as written.
      sql: `SELECT "name", 'nobody' AS """nobody""" FROM "app"."things" WHERE "name" <> 'x'`,
      notes: [`"nobody" names no column, so SQLite reads it as the string 'nobody'`, `"x" names no column, so SQLite reads it as the string 'x'`],
    });
  });

  test("LIMIT offset, count is SQLite's order; ORDER BY DESC puts NULLs last", () => {
    expect(sql('CREATE VIEW v AS SELECT id FROM t ORDER BY name DESC, id LIMIT 10, 5', ctx)).toBe(
      'SELECT "thing_id" FROM "app"."things" ORDER BY "name" DESC NULLS LAST, "thing_id" NULLS FIRST LIMIT 5 OFFSET 10',
    );
    expect(sql('CREATE VIEW v AS SELECT id FROM t ORDER BY id ASC NULLS LAST LIMIT 5 OFFSET 1', ctx)).toBe('SELECT "thing_id" FROM "app"."things" ORDER BY "thing_id" ASC NULLS LAST LIMIT 5 OFFSET 1');
  });

  test('CTEs are not schema-qualified; subqueries in FROM keep their alias; ON 1 is ON TRUE', () => {
    expect(sql('CREATE VIEW v AS WITH recent(k) AS (SELECT id FROM t WHERE n > 5) SELECT r.k, x.c FROM recent r JOIN (SELECT count(*) AS c FROM t) x ON 1', ctx)).toBe(
      'WITH "recent"("k") AS (SELECT "thing_id" FROM "app"."things" WHERE "n" > 5) SELECT "r"."k", "x"."c" FROM "recent" "r" JOIN (SELECT count(*) AS "c" FROM "app"."things") "x" ON TRUE',
    );
  });

  test('a compound with UNION ALL and EXCEPT, each SELECT with its own FROM', () => {
    expect(sql('create view v as select id from t union all select OrderID from [Order Details] except select 1', ctx)).toBe(
      'SELECT "thing_id" FROM "app"."things" UNION ALL SELECT "OrderID" FROM "app"."order_details" EXCEPT SELECT 1',
    );
  });

  test('without a schema, table names stay unqualified', () => {
    expect(sql('CREATE VIEW v AS SELECT id FROM t', { tables: ctx.tables })).toBe('SELECT "thing_id" FROM "things"');
  });

  test.each([
    ["CREATE VIEW v AS SELECT id FROM t WHERE name GLOB 'a*'", 'GLOB has no direct PostgreSQL equivalent'],
    ['CREATE VIEW v AS SELECT id FROM t INDEXED BY t_idx', 'INDEXED BY / NOT INDEXED is SQLite-only syntax'],
    ['CREATE VIEW v AS SELECT id FROM t NOT INDEXED', 'INDEXED BY / NOT INDEXED is SQLite-only syntax'],
    ['CREATE VIEW v AS SELECT typeof(id) FROM t', 'typeof() has no PostgreSQL equivalent'],
    ['CREATE VIEW v AS SELECT json_extract(name, \'$.a\') FROM t', 'function json_extract() has no known PostgreSQL translation'],
    ["CREATE VIEW v AS SELECT value FROM json_each('[1]')", 'table-valued function json_each() is not translated'],
    ['CREATE VIEW v AS SELECT rowid FROM t', 'the rowid has no PostgreSQL counterpart'],
    ['CREATE VIEW v AS SELECT row_number() OVER (ORDER BY id) FROM t', 'window functions and FILTER clauses are not translated'],
    ['CREATE VIEW v AS SELECT id FROM t ORDER BY name COLLATE NOCASE', 'COLLATE NOCASE has no exact PostgreSQL equivalent'],
    ['CREATE TABLE v (a)', 'not a CREATE VIEW statement'],
    ['CREATE VIEW v AS', 'CREATE VIEW without a SELECT'],
  ])('%s is refused: %s', (view, why) => {
    expect(reason(view, ctx)).toBe(why);
  });

  test('an unknown relation is kept (qualified) with a note', () => {
    expect(translateView('CREATE VIEW v AS SELECT x FROM elsewhere', ctx)).toEqual({
      ok: true,
      sql: 'SELECT "x" FROM "app"."elsewhere"',
      notes: ['elsewhere is not a migrated table; the view expects a relation of that name to exist'],
    });
  });
});

describe('listViewDependencies', () => {
  test('relations at every level, CTEs excluded, first appearance order, original spelling', () => {
    expect(listViewDependencies('CREATE VIEW v AS WITH c AS (SELECT * FROM a) SELECT * FROM c, main.b JOIN [x y] ON 1 WHERE EXISTS (SELECT 1 FROM A) AND z IS NOT DISTINCT FROM 1')).toEqual(['a', 'b', 'x y']);
  });

  test('unreadable SQL gives no dependencies', () => {
    expect(listViewDependencies("CREATE VIEW v AS SELECT 'open")).toEqual([]);
  });
});
