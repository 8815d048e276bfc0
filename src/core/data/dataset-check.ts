import { kindOf, type DatasetIndex } from './layout';

/** What a folder must look like, for the message that refuses one. */
export const DATASET_FOLDER_HELP =
  'A dataset folder is an MVTec AD category (bottle/train/good/*.png to train on; bottle/test/<type>/*.png ' +
  'and bottle/ground_truth/<type>/*_mask.png to evaluate), a BTAD or VisA category, or a folder of normal images.';

/** A folder that is no dataset: loading it must leave the loaded dataset in place. */
export class NotADatasetError extends Error {
  override name = 'NotADatasetError';
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The dropped folder's own name (paths start with it). */
export const folderName = (paths: readonly string[]): string => paths[0]?.split('/')[0] || 'the folder';

/**
 * Why the listing `index` of `paths` is not a dataset, or null. Nothing to train on is not a
 * dataset, and neither is a folder of mostly other files read as a plain image folder (a source
 * tree with a few icons): its "training images" would be whatever pictures it happens to hold.
 */
export function notADatasetReason(index: DatasetIndex, paths: readonly string[]): string | null {
  const others = index.problems.filter((p) => p.code === 'not-an-image').length;
  if (index.layout === 'empty')
    return others > 0 ? `none of its ${plural(others, 'file')} is an image` : 'it holds no image';
  if (index.train.length === 0) {
    // Counted over the whole drop: the index lists only the files at or above the category it
    // picked, so its problems leave out sibling folders (src/ui/ beside src/core/).
    const files = paths.filter((p) => !/[\\/]$/.test(p));
    const notImages = files.filter((p) => kindOf(p) === 'other').length;
    const note =
      notImages === 0
        ? ''
        : notImages === files.length
          ? `; none of its ${plural(files.length, 'file')} is an image`
          : `; ${notImages} of its ${files.length} files are not images`;
    // Where training images were expected only helps when the category holds test images; without
    // any image its "category" is a folder that happens to be called train or test (src/core/train/
    // in a source tree), and a path built from it would be nonsense.
    const where =
      index.test.length > 0
        ? `none in ${index.root ? `${index.root}/` : ''}train/good/`
        : 'no train/good/ folder with images in it';
    return `it has no normal training image (${where})${note}`;
  }
  if (index.layout === 'plain' && others > index.train.length) {
    const example = index.problems.find((p) => p.code === 'not-an-image')?.path;
    const images = index.train.length;
    return (
      `only ${images} of its ${paths.length} files ${images === 1 ? 'is an image' : 'are images'}` +
      (example ? ` (${example} is not)` : '') +
      ', so it is not a folder of images'
    );
  }
  return null;
}

/** The whole message: which folder, why not, and what a dataset folder looks like. */
export function notADatasetMessage(paths: readonly string[], reason: string): string {
  return `${folderName(paths)} is not a dataset folder: ${reason}. ${DATASET_FOLDER_HELP}`;
}
