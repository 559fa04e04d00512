import { randomUUID } from 'node:crypto';
import { el, type EasElement } from '../wbxml/element.js';

/** What a Find looks for: mail by words (in a folder, with its subfolders), or people in the GAL. */
export type FindQuery =
  | { freeText: string; collectionId?: string; deepTraversal?: boolean; range?: string }
  | { gal: string; range?: string };

/** A Find request (MS-ASCMD 2.2.1.2, 16.1) with a new SearchId. */
export function findRequest(query: FindQuery): EasElement {
  const range = el('Find:Range', query.range ?? '0-99');
  const criterion =
    'gal' in query
      ? el('Find:GalSearchCriterion', el('Find:Query', query.gal), el('Find:Options', range))
      : el(
          'Find:MailBoxSearchCriterion',
          el(
            'Find:Query',
            el('AirSync:Class', 'Email'),
            query.collectionId !== undefined && el('AirSync:CollectionId', query.collectionId),
            el('Find:FreeText', query.freeText),
          ),
          el('Find:Options', range, query.deepTraversal && el('Find:DeepTraversal')),
        );
  return el('Find:Find', el('Find:SearchId', randomUUID()), el('Find:ExecuteSearch', criterion));
}
