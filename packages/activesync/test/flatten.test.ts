import { afterTimers } from '@hma-lab/core/testing';
import { el } from '@hma-lab/activesync';
import { flattenData } from '../src/client/flatten.js';

describe('flattenData', () => {
  test('numbers repeated paths [1], [2] ... in document order', () => {
    const data = flattenData(
      el(
        'AirSync:ApplicationData',
        el('Email:Subject', 'Hi'),
        el(
          'Email:Attachments',
          el('Email:Attachment', el('Email:DisplayName', 'a.txt')),
          el('Email:Attachment', el('Email:DisplayName', 'b.txt')),
        ),
        el('Email:Attachments', el('Email:Attachment', el('Email:DisplayName', 'c.txt'))),
        el('Email:Categories', el('Email:Category', 'x'), el('Email:Category', 'y')),
      ),
    );
    expect(data).toEqual({
      'Email:Subject': 'Hi',
      'Email:Attachments/Email:Attachment/Email:DisplayName': 'a.txt',
      'Email:Attachments/Email:Attachment/Email:DisplayName[1]': 'b.txt',
      'Email:Attachments/Email:Attachment/Email:DisplayName[2]': 'c.txt',
      'Email:Categories/Email:Category': 'x',
      'Email:Categories/Email:Category[1]': 'y',
    });
  });

  // An item a device stored with many empty children (on-premises serves it
  // back as stored) froze Exchange Online's background sync: 16,000 took a
  // minute, the 200,000 a request may hold hours.
  test('200,000 repeats of one path are read in one pass', async () => {
    const attachments = el('Email:Attachments');
    for (let i = 0; i < 200_000; i++) attachments.children.push(el('Email:Attachment'));
    const data = flattenData(el('AirSync:ApplicationData', attachments));
    await afterTimers();
    expect(Object.keys(data)).toHaveLength(200_000);
    expect(data['Email:Attachments/Email:Attachment[199999]']).toBe('');
  }, 5_000);
});
