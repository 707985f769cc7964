-- An example prompt source: a product catalogue, as a shop's own database would hold it.
-- Load it into any PostgreSQL database, e.g.:
--   createdb catalog && psql -d catalog -f sql/examples/product_catalog.sql
-- then point jobs/products.yml at it (see docs/sources-and-scheduling.md).
--
-- Re-running the script resets the table. The seed makes 5,000 products from a few word lists, so the rows look
-- like a real catalogue (names, descriptions, categories, colours, materials) without shipping a large file;
-- change the generate_series bound for more.

DROP TABLE IF EXISTS product;

CREATE TABLE product (
    sku          text        PRIMARY KEY,              -- the prompt id
    name         text        NOT NULL,
    description  text,                                 -- the prompt; NULL or empty rows are recorded and skipped
    category     text        NOT NULL,
    colour       text,
    material     text,
    price_eur    numeric(10, 2),
    active       boolean     NOT NULL DEFAULT true,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO product (sku, name, description, category, colour, material, price_eur)
SELECT format('SKU-%s', lpad(n::text, 7, '0')) AS sku,
       initcap(adjective) || ' ' || item AS name,
       format('A %s %s %s made of %s, %s', adjective, colour, item, material, detail) AS description,
       category, colour, material,
       round((9.9 + (n * 37 % 400) + (n % 100) / 100.0)::numeric, 2) AS price_eur
  FROM generate_series(1, 5000) AS n
 CROSS JOIN LATERAL (SELECT
        (ARRAY['minimalist', 'rustic', 'vintage', 'modern', 'handcrafted', 'compact', 'oversized', 'elegant',
               'playful', 'industrial', 'scandinavian', 'bohemian'])[1 + n % 12] AS adjective,
        (ARRAY['black', 'white', 'sage green', 'terracotta', 'navy blue', 'mustard yellow', 'blush pink',
               'charcoal grey', 'natural oak', 'brushed brass'])[1 + (n / 12) % 10] AS colour,
        (ARRAY['ceramic', 'walnut wood', 'recycled glass', 'linen', 'stainless steel', 'rattan', 'wool felt',
               'bamboo', 'leather', 'marble'])[1 + (n / 120) % 10] AS material,
        (ARRAY['on a white studio background', 'in a sunlit living room', 'on a wooden kitchen counter',
               'photographed from above', 'in soft morning light', 'with a shallow depth of field'])[1 + n % 6]
            AS detail) AS words
 CROSS JOIN LATERAL (SELECT
        (ARRAY['table lamp', 'armchair', 'coffee mug', 'vase', 'bookshelf', 'throw pillow', 'wall clock',
               'desk organiser', 'planter', 'side table', 'pendant light', 'serving bowl'])[1 + (n / 7) % 12] AS item)
        AS items
 CROSS JOIN LATERAL (SELECT CASE
        WHEN item IN ('table lamp', 'pendant light') THEN 'lighting'
        WHEN item IN ('armchair', 'bookshelf', 'side table') THEN 'furniture'
        WHEN item IN ('coffee mug', 'serving bowl') THEN 'kitchen'
        ELSE 'decor' END AS category) AS categories;

-- A realistic catalogue has gaps; staging records these rows in source_reject and goes on.
UPDATE product SET description = NULL WHERE sku = 'SKU-0000013';
UPDATE product SET description = '' WHERE sku = 'SKU-0000042';
