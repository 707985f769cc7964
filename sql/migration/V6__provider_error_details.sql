-- What a provider's moderation refusal names (OpenRouter's error.metadata.flagged_input and model_slug), kept with
-- the skipped call so that a reviewer sees which text was flagged and by which model without rerunning it.
ALTER TABLE prompt_failure ADD COLUMN flagged_input text;
ALTER TABLE prompt_failure ADD COLUMN model_slug text;
