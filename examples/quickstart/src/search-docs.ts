import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineTool, type Tool } from '@agentrt/core';
import { z } from 'zod';

interface Section {
  readonly file: string;
  readonly title: string;
  readonly text: string;
  readonly terms: Map<string, number>;
}

const tokenize = (text: string) => text.toLowerCase().match(/[a-z0-9-]+/g) ?? [];

/** Splits every markdown file of a folder into paragraphs with term counts. */
export function loadCorpus(folder: string): Section[] {
  const sections: Section[] = [];
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.md')).sort()) {
    const text = readFileSync(join(folder, file), 'utf8');
    const title = text.match(/^# (.+)$/m)?.[1] ?? file;
    for (const paragraph of text.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p && !p.startsWith('# '))) {
      const terms = new Map<string, number>();
      for (const term of tokenize(`${title} ${paragraph}`)) terms.set(term, (terms.get(term) ?? 0) + 1);
      sections.push({ file, title, text: paragraph, terms });
    }
  }
  return sections;
}

/** A `search_docs` tool: ranks corpus paragraphs by query-term frequency weighted by rarity (tf-idf). */
export function createSearchDocs(folder: string): Tool {
  const corpus = loadCorpus(folder);
  const idf = (term: string) => Math.log(1 + corpus.length / (1 + corpus.filter((s) => s.terms.has(term)).length));
  return defineTool({
    name: 'search_docs',
    description: 'Searches the bundled API documentation and returns the best matching passages with their source file.',
    input: z.object({
      query: z.string().min(2).max(200).describe('What to look for'),
      limit: z.number().int().min(1).max(5).default(3).describe('How many passages to return'),
    }),
    execute: ({ query, limit }) => {
      const terms = [...new Set(tokenize(query))];
      return corpus
        .map((section) => ({ section, score: terms.reduce((sum, term) => sum + (section.terms.get(term) ?? 0) * idf(term), 0) }))
        .filter((hit) => hit.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, limit)
        .map(({ section, score }) => ({ source: section.file, title: section.title, score: Number(score.toFixed(2)), text: section.text }));
    },
  });
}
