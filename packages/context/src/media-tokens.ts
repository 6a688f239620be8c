import { imageDimensions, pdfPageCount, type FilePart, type ImagePart } from '@agentrt/core';

export { imageDimensions };

/** Tokens counted for an image whose size cannot be read (given by url, or an unknown format). */
export const IMAGE_TOKENS_UNKNOWN = 1_600;
/** Tokens counted for an image however small (providers bill a floor per image). */
export const IMAGE_TOKENS_MIN = 85;
/** Tokens counted per PDF page (text plus the page image some providers add). */
export const PDF_PAGE_TOKENS = 2_000;

/** Longest edge and pixel count providers scale images down to before counting. */
const MAX_EDGE = 1_568;
const MAX_PIXELS = 1_150_000;
/**
 * Estimated tokens of an image: scaled down to at most 1 568 px on the long edge and about
 * 1.15 megapixels (as providers do), then width × height / 750 (Anthropic's published formula;
 * OpenAI's tile count is usually lower), at least 85. An image whose size cannot be read
 * (by url, unknown format) counts 1 600.
 */
export function estimateImageTokens(part: ImagePart): number {
  const size = part.data !== undefined ? imageDimensions(part.data) : undefined;
  if (!size) return IMAGE_TOKENS_UNKNOWN;
  const scale = Math.min(1, MAX_EDGE / Math.max(size.width, size.height), Math.sqrt(MAX_PIXELS / (size.width * size.height)));
  return Math.max(IMAGE_TOKENS_MIN, Math.ceil((size.width * scale * (size.height * scale)) / 750));
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-ndjson|yaml|x-yaml|javascript|csv)\b|[a-z]+\/[a-z0-9.+-]*\+(json|xml)$)/;

/**
 * Estimated tokens of a file: a PDF counts 2 000 per page (pages from its page tree, else one
 * per 50 KB); a text type (`text/*`, JSON, XML, YAML, CSV) counts its decoded text with
 * `tokenize`; any other type one token per 4 bytes. A file by url counts as one PDF page.
 */
export function estimateFileTokens(part: FilePart, tokenize: (text: string) => number): number {
  // A part of a type this version does not know (a store written by a newer one, a strategy
  // before this one) is counted like a file: never a TypeError on a missing field.
  if (typeof part.data !== 'string') return PDF_PAGE_TOKENS;
  const bytes = Buffer.from(part.data, 'base64');
  const type = typeof part.mediaType === 'string' ? part.mediaType.toLowerCase() : '';
  if (type === 'application/pdf') return PDF_PAGE_TOKENS * pdfPages(bytes);
  if (TEXT_TYPES.test(type)) return tokenize(bytes.toString('utf8'));
  return Math.ceil(bytes.length / 4);
}

/** Page count of a PDF: core's `pdfPageCount` (its page tree), else one page per 50 KB. */
function pdfPages(bytes: Buffer): number {
  return pdfPageCount(bytes) ?? Math.max(1, Math.ceil(bytes.length / 50_000));
}
