-- Reference images (image-to-image) and several images per call (the Images APIs' n).

-- The reference images a prompt was staged with, in the order they are sent: [{ref, location, remote, sha256,
-- mediaType, bytes}]. Their sha256 values are part of request_hash, so a changed reference file regenerates.
ALTER TABLE prompt ADD COLUMN reference_images jsonb NOT NULL DEFAULT '[]';

-- An image from a call that returned several: its position in that call's response and how many the call returned.
-- The rows of one call share generation_id and seed; cost_usd and tokens are the call's split between them.
ALTER TABLE generated_image ADD COLUMN call_index  integer NOT NULL DEFAULT 0;
ALTER TABLE generated_image ADD COLUMN call_images integer NOT NULL DEFAULT 1;
