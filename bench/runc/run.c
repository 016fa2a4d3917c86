// llama2.c's run.c forward pass (https://github.com/karpathy/llama2.c, MIT licence), cut down
// to time greedy decoding from BOS side by side with exitstream bench: fp32 weights of a
// llama2.c checkpoint, its matmul and attention loops with their OpenMP pragmas. Prints tokens/s.
//   gcc -Ofast -march=native -fopenmp -o runc run.c -lm && OMP_NUM_THREADS=2 ./runc s15M.bin 128
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
typedef struct { int dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; } Config;
typedef struct { float *tok, *rms_att, *wq, *wk, *wv, *wo, *rms_ffn, *w1, *w2, *w3, *rms_final, *wcls; } W;
static void rmsnorm(float* o, float* x, float* w, int n){float ss=0;for(int j=0;j<n;j++)ss+=x[j]*x[j];ss/=n;ss+=1e-5f;ss=1.0f/sqrtf(ss);for(int j=0;j<n;j++)o[j]=w[j]*(ss*x[j]);}
static void softmax(float* x,int n){float m=x[0];for(int i=1;i<n;i++)if(x[i]>m)m=x[i];float s=0;for(int i=0;i<n;i++){x[i]=expf(x[i]-m);s+=x[i];}for(int i=0;i<n;i++)x[i]/=s;}
static void matmul(float* xout,float* x,float* w,int n,int d){int i;
#pragma omp parallel for private(i)
 for(i=0;i<d;i++){float v=0;for(int j=0;j<n;j++)v+=w[i*n+j]*x[j];xout[i]=v;}}
int main(int argc,char**argv){
 int fd=open(argv[1],O_RDONLY); int steps=atoi(argv[2]);
 off_t size=lseek(fd,0,SEEK_END); void* data=mmap(NULL,size,PROT_READ,MAP_PRIVATE,fd,0);
 Config p; memcpy(&p,data,sizeof(Config)); int shared=p.vocab_size>0; if(p.vocab_size<0)p.vocab_size=-p.vocab_size;
 float* ptr=(float*)((char*)data+sizeof(Config)); int hs=p.dim/p.n_heads; int kvd=p.dim*p.n_kv_heads/p.n_heads; long L=p.n_layers;
 W w; w.tok=ptr; ptr+=(long)p.vocab_size*p.dim; w.rms_att=ptr; ptr+=L*p.dim; w.wq=ptr; ptr+=L*p.dim*p.dim; w.wk=ptr; ptr+=L*p.dim*kvd; w.wv=ptr; ptr+=L*p.dim*kvd; w.wo=ptr; ptr+=L*p.dim*p.dim;
 w.rms_ffn=ptr; ptr+=L*p.dim; w.w1=ptr; ptr+=L*p.dim*p.hidden_dim; w.w2=ptr; ptr+=L*p.hidden_dim*p.dim; w.w3=ptr; ptr+=L*p.dim*p.hidden_dim; w.rms_final=ptr; ptr+=p.dim; ptr+=p.seq_len*hs/2; ptr+=p.seq_len*hs/2; w.wcls=shared?w.tok:ptr;
 float *x=calloc(p.dim,4),*xb=calloc(p.dim,4),*xb2=calloc(p.dim,4),*hb=calloc(p.hidden_dim,4),*hb2=calloc(p.hidden_dim,4),*q=calloc(p.dim,4),*att=calloc(p.n_heads*p.seq_len,4),*logits=calloc(p.vocab_size,4);
 float *kc=calloc(L*p.seq_len*kvd,4),*vc=calloc(L*p.seq_len*kvd,4); int kvmul=p.n_heads/p.n_kv_heads;
 int token=1; struct timespec t0,t1; clock_gettime(CLOCK_MONOTONIC,&t0);
 for(int pos=0;pos<steps;pos++){
  memcpy(x,w.tok+(long)token*p.dim,p.dim*4);
  for(long l=0;l<L;l++){
   rmsnorm(xb,x,w.rms_att+l*p.dim,p.dim);
   long off=l*p.seq_len*kvd; float*k=kc+off+pos*kvd; float*v=vc+off+pos*kvd;
   matmul(q,xb,w.wq+l*p.dim*p.dim,p.dim,p.dim); matmul(k,xb,w.wk+l*p.dim*kvd,p.dim,kvd); matmul(v,xb,w.wv+l*p.dim*kvd,p.dim,kvd);
   for(int i=0;i<p.dim;i+=2){int hd=i%hs;float f=1.0f/powf(10000.0f,hd/(float)hs);float val=pos*f;float fcr=cosf(val),fci=sinf(val);int rotn=i<kvd?2:1;for(int vv=0;vv<rotn;vv++){float*vec=vv==0?q:k;float v0=vec[i],v1=vec[i+1];vec[i]=v0*fcr-v1*fci;vec[i+1]=v0*fci+v1*fcr;}}
   int h;
#pragma omp parallel for private(h)
   for(h=0;h<p.n_heads;h++){float*qq=q+h*hs;float*a=att+h*p.seq_len;for(int t=0;t<=pos;t++){float*kk=kc+off+t*kvd+(h/kvmul)*hs;float s=0;for(int i=0;i<hs;i++)s+=qq[i]*kk[i];a[t]=s/sqrtf(hs);}softmax(a,pos+1);float*o=xb+h*hs;memset(o,0,hs*4);for(int t=0;t<=pos;t++){float*vv=vc+off+t*kvd+(h/kvmul)*hs;for(int i=0;i<hs;i++)o[i]+=a[t]*vv[i];}}
   matmul(xb2,xb,w.wo+l*p.dim*p.dim,p.dim,p.dim); for(int i=0;i<p.dim;i++)x[i]+=xb2[i];
   rmsnorm(xb,x,w.rms_ffn+l*p.dim,p.dim); matmul(hb,xb,w.w1+l*p.dim*p.hidden_dim,p.dim,p.hidden_dim); matmul(hb2,xb,w.w3+l*p.dim*p.hidden_dim,p.dim,p.hidden_dim);
   for(int i=0;i<p.hidden_dim;i++){float val=hb[i];val*=(1.0f/(1.0f+expf(-val)));hb[i]=val*hb2[i];}
   matmul(xb,hb,w.w2+l*p.dim*p.hidden_dim,p.hidden_dim,p.dim); for(int i=0;i<p.dim;i++)x[i]+=xb[i];}
  rmsnorm(x,x,w.rms_final,p.dim); matmul(logits,x,w.wcls,p.dim,p.vocab_size);
  int best=0; for(int i=1;i<p.vocab_size;i++) if(logits[i]>logits[best]) best=i; token=best;}
 clock_gettime(CLOCK_MONOTONIC,&t1); double s=(t1.tv_sec-t0.tv_sec)+(t1.tv_nsec-t0.tv_nsec)/1e9;
 printf("%.1f\n",steps/s); return 0;}
