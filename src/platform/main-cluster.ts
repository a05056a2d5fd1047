/** The cluster the platform database lives on (apart so `tansu --help` can name it without loading the database layer). */
export const MAIN_CLUSTER = 'main';
