import { TEXT_ONLY, type ModelCapabilities } from '@agentrt/core';

// Model families in Ollama's library that take images.
const VISION = /(?:llava|bakllava|vision|moondream|minicpm-v|qwen2\.5vl|qwen3-vl|gemma3(?!n|:1b)|llama4|mistral-small3\.[12])/;

/**
 * What `OllamaModel` declares for a model name: vision families (llava, `*-vision`, gemma3,
 * qwen2.5vl, llama4, …) take PNG and JPEG images inline (Ollama has no image URLs and no
 * documents), in user and tool messages; every model gets structured output through `format`;
 * reasoning when `think` is set. Override with the `capabilities` option (Ollama's `/api/show`
 * lists a model's real capabilities).
 */
export function ollamaCapabilities(model: string, options: { reasoning: boolean }): ModelCapabilities {
  const vision = VISION.test(model.toLowerCase());
  return {
    ...TEXT_ONLY,
    ...(vision ? { imageTypes: ['image/png', 'image/jpeg'], partsInToolResults: true } : {}),
    structuredOutput: true,
    reasoning: options.reasoning,
  };
}
