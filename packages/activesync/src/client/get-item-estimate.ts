import { el, type EasElement } from '../wbxml/element.js';

/** A GetItemEstimate request (MS-ASCMD 2.2.1.9) for collections at the sync keys the device holds. */
export function getItemEstimateRequest(
  collections: ReadonlyArray<{ collectionId: string; syncKey: string }>,
): EasElement {
  return el(
    'GetItemEstimate:GetItemEstimate',
    el(
      'GetItemEstimate:Collections',
      collections.map(({ collectionId, syncKey }) =>
        el(
          'GetItemEstimate:Collection',
          el('AirSync:SyncKey', syncKey),
          el('GetItemEstimate:CollectionId', collectionId),
        ),
      ),
    ),
  );
}

/** One collection's answer to GetItemEstimate: its Status, and the Estimate when there is one. */
export function getItemEstimateResponse(
  status: number,
  collectionId: string,
  estimate?: number,
): EasElement {
  return el(
    'GetItemEstimate:Response',
    el('GetItemEstimate:Status', status),
    el(
      'GetItemEstimate:Collection',
      el('GetItemEstimate:CollectionId', collectionId),
      estimate !== undefined ? el('GetItemEstimate:Estimate', estimate) : undefined,
    ),
  );
}
